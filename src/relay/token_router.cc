#include "relay/token_router.h"

#include <algorithm>

#include "relay/run_recorder.h"
#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {
namespace {

// A single step that leaves the transcript valid UTF-8: a token may end inside a multi-byte
// character, and the next model could not be handed that text. Such a step is redone with room
// for the rest of the character (same seed: the same first token).
Segment Step(Session* session, const std::string& transcript, SegmentRequest request,
             int remaining, int* discarded) {
  for (int n = 1;; ++n) {
    request.max_tokens = std::min(n, remaining);
    Segment seg = session->Generate(transcript, request);
    if (CompleteUtf8Prefix(seg.text) == seg.text.size() || n >= 4 || n >= remaining) return seg;
    *discarded += static_cast<int>(seg.tokens.size());
  }
}

}  // namespace

TokenRouterPolicy::TokenRouterPolicy(Session* large, Session* small, TokenRouterOptions options)
    : large_(large), small_(small), options_(options) {
  if (large_ == nullptr || small_ == nullptr) throw Error("token-router needs a large and a small model");
  if (!(options_.threshold >= 0.0f && options_.threshold <= 1.0f)) {
    throw Error("token-router threshold must be within [0, 1]");
  }
}

PolicyResult TokenRouterPolicy::Run(const std::string& prompt, const Sampling& sampling,
                                    int max_tokens,
                                    const std::function<void(Writer, std::string_view)>& on_text) {
  RunRecorder rec(prompt, sampling, max_tokens, on_text);
  while (rec.remaining() > 0) {
    const bool answer = rec.generated().find(kThinkEndTag) != std::string::npos;
    int discarded = 0;
    SegmentRequest request;
    request.sampling = rec.NextSampling();
    request.want_margins = true;
    Segment seg = Step(small_, rec.transcript(), request, rec.remaining(), &discarded);
    rec.AddDiscarded(discarded);
    Writer writer = Writer::kSmall;
    if (!seg.margins.empty() && seg.margins.front() < options_.threshold) {
      // The small model is unsure: its proposal is dropped and the large model writes the token.
      rec.AddDiscarded(static_cast<int>(seg.tokens.size()));
      discarded = 0;
      request.want_margins = false;
      seg = Step(large_, rec.transcript(), request, rec.remaining(), &discarded);
      rec.AddDiscarded(discarded);
      writer = Writer::kLarge;
    }
    const bool ended = seg.stop_reason == StopReason::kEndOfGeneration || seg.context_full;
    rec.Add(writer, answer, seg, seg.text, ended ? EndReason(seg) : "token", /*merge=*/true);
    if (ended) break;
  }
  return rec.Finish();
}

}  // namespace relaygen
