#include "relay/single_model_policy.h"

#include "relay/run_recorder.h"
#include "util/error.h"

namespace relaygen {

SingleModelPolicy::SingleModelPolicy(std::string name, Session* session, Writer writer)
    : name_(std::move(name)), session_(session), writer_(writer) {
  if (session_ == nullptr) throw Error("policy " + name_ + " needs a model");
}

PolicyResult SingleModelPolicy::Run(const std::string& prompt, const Sampling& sampling,
                                    int max_tokens,
                                    const std::function<void(Writer, std::string_view)>& on_text) {
  RunRecorder rec(prompt, sampling, max_tokens, on_text);
  SegmentRequest request;
  request.sampling = rec.NextSampling();
  request.max_tokens = rec.remaining();
  request.stops = {ThinkEndStop()};
  const Segment seg = session_->Generate(rec.transcript(), request, rec.Stream(writer_));
  const bool closed = seg.stop_reason == StopReason::kStop;
  rec.Add(writer_, false, seg, seg.text, closed ? kThinkEndTag : EndReason(seg));
  // Like the reference's single-model runs, nothing is forced when the budget ends the reasoning.
  if (closed && rec.remaining() > 0) {
    SegmentRequest answer;
    answer.sampling = rec.NextSampling();
    answer.max_tokens = rec.remaining();
    const Segment a = session_->Generate(rec.transcript(), answer, rec.Stream(writer_));
    rec.Add(writer_, true, a, a.text, EndReason(a));
  }
  return rec.Finish();
}

}  // namespace relaygen
