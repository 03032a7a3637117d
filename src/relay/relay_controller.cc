#include "relay/relay_controller.h"

#include <memory>

#include "relay/run_recorder.h"
#include "util/error.h"

namespace relaygen {
namespace {

const std::string kThinkEnd = "</think>";

// Trailing spaces/tabs of a cue: what token healing backs off.
size_t TrailingBlanks(const std::string& s) {
  size_t n = 0;
  while (n < s.size() && (s[s.size() - 1 - n] == ' ' || s[s.size() - 1 - n] == '\t')) ++n;
  return n;
}

// Prefill ahead for one Run: before a model writes, the follower hands back the session it was
// reading into and starts reading along for the other model. The destructor pauses it, so both
// sessions are the caller's again however Run ends.
class ReadAlong {
 public:
  ReadAlong(TranscriptFollower* follower, Session* large, Session* small, RunRecorder* rec)
      : follower_(follower), large_(large), small_(small), rec_(rec) {}
  ~ReadAlong() {
    if (follower_ != nullptr) follower_->Pause();
  }

  // The stream callback for `writer`'s next Generate. Without `follow`, nobody reads along.
  TextCallback Turn(Writer writer, bool follow) {
    TextCallback stream = rec_->Stream(writer);
    if (follower_ == nullptr) return stream;
    rec_->AddAheadPrefill(follower_->Pause());
    if (!follow) return stream;
    follower_->Follow(writer == Writer::kLarge ? small_ : large_, rec_->transcript());
    TranscriptFollower* follower = follower_;
    return [follower, stream](std::string_view text) {
      follower->Append(text);
      return stream(text);
    };
  }

  // The small model's turn right after a cue whose lookahead was deferred: the large model draws
  // its lookahead token meanwhile (TranscriptFollower::FollowAfterLookahead). The small model's
  // text is held back until the answer is in, and its generation is cancelled if the cue turns
  // out to be inside a word.
  TextCallback TurnAfterDeferredCue(const Sampling& lookahead_sampling) {
    rec_->AddAheadPrefill(follower_->Pause());
    const TextCallback stream = rec_->Stream(Writer::kSmall);
    follower_->FollowAfterLookahead(large_, rec_->transcript(), lookahead_sampling);
    auto held = std::make_shared<std::string>();
    TranscriptFollower* follower = follower_;
    return [follower, stream, held](std::string_view text) {
      follower->Append(text);
      const TranscriptFollower::Answer answer = follower->LookaheadAnswer(/*wait=*/false);
      if (answer == TranscriptFollower::Answer::kContinuesWord) return false;
      held->append(text);
      if (answer == TranscriptFollower::Answer::kUnknown) return true;
      std::string out;
      out.swap(*held);
      return stream(out);
    };
  }

  // Waits for the deferred lookahead: true when the cue was inside a word after all.
  bool CueInsideWord() {
    return follower_->LookaheadAnswer(/*wait=*/true) == TranscriptFollower::Answer::kContinuesWord;
  }

 private:
  TranscriptFollower* follower_;  // null without prefill ahead
  Session* large_;
  Session* small_;
  RunRecorder* rec_;
};

// Session::Generate, except that text the models wrote themselves, grown past this model's window,
// ends the request like a full window does. A fresh session — the small model's first turn, say —
// throws ContextOverflow for any transcript that does not fit; only the user's prompt should fail.
Segment GenerateWithin(Session* session, const RunRecorder& rec, const SegmentRequest& request,
                       const TextCallback& on_text) {
  try {
    return session->Generate(rec.transcript(), request, on_text);
  } catch (const ContextOverflow&) {
    if (rec.generated().empty()) throw;
    Segment full;
    full.context_full = true;
    return full;
  }
}

}  // namespace

const char* const kForcedThinkEnd = "\n</think>";

std::string EndReason(const Segment& segment) {
  switch (segment.stop_reason) {
    case StopReason::kEndOfGeneration:
      return "eos";
    case StopReason::kLength:
      return segment.context_full ? "context" : "budget";
    case StopReason::kStop:
      break;
  }
  return "stop";
}

std::vector<Stop> LargeModeStops(const RelayOptions& options) {
  std::vector<Stop> stops;
  for (const std::string& cue : options.cues) {
    if (cue.empty()) throw Error("empty switch cue in the cue profile");
    stops.push_back({cue, options.match == CueMatch::kWordBoundary, false});
  }
  stops.push_back({kThinkEnd, false, true});
  return stops;
}

std::vector<Stop> SmallModeStops() {
  return {{".", false, false}, {"!", false, false}, {"?", false, false}, {"\n\n", false, false},
          {kThinkEnd, false, true}};
}

RelayController::RelayController(Session* large, Session* small, RelayOptions options)
    : large_(large),
      small_(small),
      options_(std::move(options)),
      large_stops_(LargeModeStops(options_)),
      small_stops_(SmallModeStops()) {
  if (large_ == nullptr || small_ == nullptr) throw Error("relay needs a large and a small model");
  if (options_.prefill_ahead) follower_ = std::make_unique<TranscriptFollower>();
}

PolicyResult RelayController::Run(const std::string& prompt, const Sampling& sampling,
                                  int max_tokens,
                                  const std::function<void(Writer, std::string_view)>& on_text) {
  RunRecorder rec(prompt, sampling, max_tokens, on_text);
  ReadAlong read_along(follower_.get(), large_, small_, &rec);
  bool large_mode = true;
  bool think_closed = false;
  bool context_full = false;
  std::string heal;  // whitespace the next model's first token must supply
  // With prefill ahead, a word cue at the end of the text fires without its lookahead token; the
  // large model draws that token while the small model already writes (see TurnAfterDeferredCue).
  const bool defer_lookahead = follower_ != nullptr;
  bool deferred_cue = false;   // the small model's turn follows a cue whose lookahead is pending
  bool resume_large = false;   // that cue was inside a word: the large model's turn goes on

  // Reasoning: modes L and S.
  while (rec.remaining() > 0) {
    const Writer writer = large_mode ? Writer::kLarge : Writer::kSmall;
    Session* session = large_mode ? large_ : small_;
    SegmentRequest request;
    request.sampling = rec.NextSampling();
    request.max_tokens = rec.remaining();
    request.min_tokens = large_mode && !resume_large ? options_.min_large_tokens : 0;
    request.stops = large_mode ? large_stops_ : small_stops_;
    request.first_token_prefix = heal;
    request.defer_lookahead = large_mode && defer_lookahead;
    heal.clear();
    const TextCallback stream = deferred_cue ? read_along.TurnAfterDeferredCue(rec.NextSampling())
                                             : read_along.Turn(writer, true);
    const Segment seg = GenerateWithin(session, rec, request, stream);
    if (deferred_cue) {
      deferred_cue = false;
      if (read_along.CueInsideWord()) {
        // What the small model wrote is dropped (never streamed) and the large model continues
        // its turn — what the inline lookahead would have done, one token later.
        rec.AddDiscarded(static_cast<int>(seg.tokens.size()));
        large_mode = true;
        resume_large = true;
        continue;
      }
    }
    const bool merge = resume_large;  // the resumed L turn extends the record it interrupted
    resume_large = false;

    if (seg.stop_reason != StopReason::kStop) {
      rec.Add(writer, false, seg, seg.text, EndReason(seg), merge);
      context_full = seg.context_full;
      break;  // budget, context or end of generation: reasoning is over
    }
    const std::string& stop = request.stops.at(seg.stop_index).text;
    if (stop == kThinkEnd) {
      rec.Add(writer, false, seg, seg.text, kThinkEnd, merge);
      think_closed = true;
      break;
    }
    if (large_mode && seg.lookahead_deferred && static_cast<int>(seg.tokens.size()) >= rec.remaining()) {
      // At the end of the budget a cue still waiting for its lookahead does not fire (engine.h).
      rec.Add(writer, false, seg, seg.text, "budget", merge);
      break;
    }
    if (large_mode) {
      rec.Add(writer, false, seg, seg.text, "cue:" + stop, merge);
      deferred_cue = seg.lookahead_deferred;
      const size_t blanks = TrailingBlanks(stop);
      if (!options_.raw_handoff && blanks > 0 && seg.text.size() >= blanks) {
        heal = seg.text.substr(seg.text.size() - blanks);
        rec.BackOff(blanks);
      }
      large_mode = false;
    } else {
      rec.Add(writer, false, seg, seg.text, "sentence", merge);
      large_mode = true;
    }
  }
  if (context_full) return rec.Finish();

  // The reasoning was left open (budget, end of generation): close it as the reference does,
  // so the answer stage — and any grader — sees a finished reasoning block.
  if (!think_closed) rec.Insert(Writer::kSmall, false, kForcedThinkEnd, "inserted:</think>");

  // Answer stage: the small model writes all of it, within what is left of the budget.
  if (rec.remaining() > 0) {
    SegmentRequest request;
    request.sampling = rec.NextSampling();
    request.max_tokens = rec.remaining();
    const Segment seg = GenerateWithin(small_, rec, request, read_along.Turn(Writer::kSmall, false));
    rec.Add(Writer::kSmall, true, seg, seg.text, EndReason(seg));
  }
  return rec.Finish();
}

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
  request.stops = {{kThinkEnd, false, true}};
  const Segment seg = session_->Generate(rec.transcript(), request, rec.Stream(writer_));
  const bool closed = seg.stop_reason == StopReason::kStop;
  rec.Add(writer_, false, seg, seg.text, closed ? kThinkEnd : EndReason(seg));
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
