#include "relay/relay_controller.h"

#include <memory>

#include "relay/run_recorder.h"
#include "util/error.h"

namespace relaygen {
namespace {

// Trailing spaces/tabs of a cue: what token healing backs off.
size_t TrailingBlanks(const std::string& s) {
  size_t n = 0;
  while (n < s.size() && (s[s.size() - 1 - n] == ' ' || s[s.size() - 1 - n] == '\t')) ++n;
  return n;
}

// Prefill ahead for one Run: before a model writes, the worker hands back the session it was
// prefilling and starts prefilling ahead for the other model. Finish ends it and reports a failure
// of the background work; the destructor pauses it too, so both sessions are the caller's again
// however Run ends.
class PrefillAheadRun {
 public:
  PrefillAheadRun(PrefillAhead* ahead, Session* large, Session* small, RunRecorder* rec, bool scored)
      : ahead_(ahead), large_(large), small_(small), rec_(rec), scored_(scored) {}
  ~PrefillAheadRun() {
    if (ahead_ == nullptr) return;
    try {
      ahead_->Pause();
    } catch (...) {
      // Only reached while Run unwinds from an error of its own (a normal end calls Finish):
      // that error is the one the caller gets.
    }
  }

  // The end of the run: a background failure not reported at a turn is reported here. What was
  // prefilled since the last turn is not counted: no handoff follows that would use it, and
  // ahead_prefill_* count what spares a handoff its prefill (each token once, with or without
  // prefill ahead: relay_command_test).
  void Finish() {
    if (ahead_ != nullptr) rec_->AddReadAlong(ahead_->Pause().scored);  // read, so measured
  }

  // The stream callback for `writer`'s next Generate. Without `follow`, nobody prefills ahead.
  TextCallback Turn(Writer writer, bool follow) {
    TextCallback stream = rec_->Stream(writer);
    if (ahead_ == nullptr) return stream;
    rec_->AddAheadPrefill(ahead_->Pause());
    if (!follow) return stream;
    ahead_->Follow(writer == Writer::kLarge ? small_ : large_, rec_->transcript(),
                   /*scored=*/scored_ && writer == Writer::kLarge);
    PrefillAhead* ahead = ahead_;
    return [ahead, stream](std::string_view text) {
      ahead->Append(text);
      return stream(text);
    };
  }

  // The small model's turn right after a cue whose lookahead was deferred: the large model draws
  // its lookahead token meanwhile (PrefillAhead::FollowAfterLookahead). The small model's
  // text is held back until the answer is in, and its generation is cancelled if the cue turns
  // out to be inside a word.
  TextCallback TurnAfterDeferredCue(const Sampling& lookahead_sampling) {
    rec_->AddAheadPrefill(ahead_->Pause());
    const TextCallback stream = rec_->Stream(Writer::kSmall);
    ahead_->FollowAfterLookahead(large_, rec_->transcript(), lookahead_sampling);
    auto held = std::make_shared<std::string>();
    PrefillAhead* ahead = ahead_;
    return [ahead, stream, held](std::string_view text) {
      ahead->Append(text);
      const PrefillAhead::Answer answer = ahead->LookaheadAnswer(/*wait=*/false);
      if (answer == PrefillAhead::Answer::kContinuesWord) return false;
      held->append(text);
      if (answer == PrefillAhead::Answer::kUnknown) return true;
      std::string out;
      out.swap(*held);
      return stream(out);
    };
  }

  // Waits for the deferred lookahead: true when the cue was inside a word after all.
  bool CueInsideWord() {
    return ahead_->LookaheadAnswer(/*wait=*/true) == PrefillAhead::Answer::kContinuesWord;
  }

 private:
  PrefillAhead* ahead_;  // null without prefill ahead
  Session* large_;
  Session* small_;
  RunRecorder* rec_;
  bool scored_;  // the small model reads the large model's text with margins
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

bool ExploreCue(uint64_t seed, size_t generated_size, double rate) {
  if (rate <= 0) return false;
  // A stream of its own (the constant), so exploring never shifts the segments' sampling seeds.
  const uint64_t h = MixSeed(MixSeed(seed ^ 0x6578706c6f726521ull) ^ static_cast<uint64_t>(generated_size));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < rate;
}

std::vector<Stop> LargeModeStops(const RelayOptions& options) {
  std::vector<Stop> stops;
  for (const std::string& cue : options.cues) {
    if (cue.empty()) throw Error("empty switch cue in the cue profile");
    stops.push_back({cue, options.match == CueMatch::kWordBoundary, false});
  }
  stops.push_back(ThinkEndStop());
  return stops;
}

std::vector<Stop> SmallModeStops() {
  return {{".", false, false}, {"!", false, false}, {"?", false, false}, {"\n\n", false, false},
          ThinkEndStop()};
}

RelayController::RelayController(Session* large, Session* small, RelayOptions options)
    : large_(large),
      small_(small),
      options_(std::move(options)),
      large_stops_(LargeModeStops(options_)),
      small_stops_(SmallModeStops()) {
  if (large_ == nullptr || small_ == nullptr) throw Error("relay needs a large and a small model");
  if (options_.prefill_ahead) ahead_ = std::make_unique<PrefillAhead>(options_.prefill_ahead_spin);
  if (options_.score_read_along && !options_.prefill_ahead) {
    throw Error("online statistics are measured while the small model reads ahead: they need prefill ahead");
  }
  if (options_.explore < 0 || options_.explore > 1) throw Error("the exploration rate must be in [0, 1]");
}

PolicyResult RelayController::Run(const std::string& prompt, const Sampling& sampling,
                                  int max_tokens,
                                  const std::function<void(Writer, std::string_view)>& on_text) {
  RunRecorder rec(prompt, sampling, max_tokens, on_text);
  PrefillAheadRun prefill_ahead(ahead_.get(), large_, small_, &rec, options_.score_read_along);
  // With prefill ahead, a word cue at the end of the text fires without its lookahead token; the
  // large model draws that token while the small model already writes (see TurnAfterDeferredCue).
  const bool defer_lookahead = ahead_ != nullptr;
  std::string heal;  // whitespace the next model's first token must supply

  State state = State::kLarge;
  while (state != State::kDone) {
    if (state == State::kReasoningLeftOpen) {
      // The budget or end of generation ended the reasoning: close it as the reference does, so
      // the answer stage (and any grader) sees a finished reasoning block.
      rec.Insert(Writer::kSmall, false, kForcedThinkEnd, "inserted:</think>");
      state = State::kAnswer;
      continue;
    }
    if (state == State::kAnswer) {
      // The small model writes all of the answer, within what is left of the budget.
      if (rec.remaining() > 0) {
        SegmentRequest request;
        request.sampling = rec.NextSampling();
        request.max_tokens = rec.remaining();
        const Segment seg = GenerateWithin(small_, rec, request, prefill_ahead.Turn(Writer::kSmall, false));
        rec.Add(Writer::kSmall, true, seg, seg.text, EndReason(seg));
      }
      state = State::kDone;
      continue;
    }
    if (rec.remaining() <= 0) {
      state = State::kReasoningLeftOpen;
      continue;
    }

    // Reasoning: mode L (kLarge, kLargeResumed) or mode S (kSmall, kSmallAfterDeferredCue).
    const bool large_mode = state == State::kLarge || state == State::kLargeResumed;
    const Writer writer = large_mode ? Writer::kLarge : Writer::kSmall;
    SegmentRequest request;
    request.sampling = rec.NextSampling();
    request.max_tokens = rec.remaining();
    request.min_tokens = state == State::kLarge ? options_.min_large_tokens : 0;
    request.stops = large_mode ? large_stops_ : small_stops_;
    request.first_token_prefix = heal;
    request.defer_lookahead = large_mode && defer_lookahead;
    heal.clear();
    const TextCallback stream = state == State::kSmallAfterDeferredCue
                                    ? prefill_ahead.TurnAfterDeferredCue(rec.NextSampling())
                                    : prefill_ahead.Turn(writer, !(large_mode && options_.small_drafts));
    const Segment seg = GenerateWithin(large_mode ? large_ : small_, rec, request, stream);
    if (state == State::kSmallAfterDeferredCue && prefill_ahead.CueInsideWord()) {
      // What the small model wrote is dropped (never streamed) and the large model continues its
      // turn: what the inline lookahead would have done, one token later.
      rec.AddDiscarded(static_cast<int>(seg.tokens.size()));
      state = State::kLargeResumed;
      continue;
    }
    const bool merge = state == State::kLargeResumed;  // the resumed turn extends its record

    if (seg.stop_reason != StopReason::kStop) {
      // Budget, full window or end of generation: reasoning is over.
      rec.Add(writer, false, seg, seg.text, EndReason(seg), merge);
      state = seg.context_full ? State::kDone : State::kReasoningLeftOpen;
      continue;
    }
    const std::string& stop = request.stops.at(seg.stop_index).text;
    if (stop == kThinkEndTag) {
      rec.Add(writer, false, seg, seg.text, kThinkEndTag, merge);
      state = State::kAnswer;
      continue;
    }
    if (!large_mode) {
      rec.Add(writer, false, seg, seg.text, "sentence", merge);
      // The stop cut the small model's last token after the punctuation, but tokenizers merge
      // it with what follows (".\n\n" is one token in Qwen's and the testbed's vocabularies): a
      // context ending in a bare "." is one the large model never saw in training, and it answers
      // it with text that follows a bare "." (another restatement). So the punctuation is backed
      // off and the large model re-writes it as the start of a token it would produce itself.
      if (!options_.raw_handoff && stop != "\n\n" && seg.text.size() >= stop.size()) {
        heal = stop;
        rec.BackOff(stop.size());
      }
      state = State::kLarge;
      continue;
    }
    if (seg.lookahead_deferred && static_cast<int>(seg.tokens.size()) >= rec.remaining()) {
      // At the end of the budget a cue still waiting for its lookahead does not fire (engine.h).
      rec.Add(writer, false, seg, seg.text, "budget", merge);
      state = State::kReasoningLeftOpen;
      continue;
    }
    // Exploration: the cue stays the large model's, which writes on in the same turn and record
    // (its sentence is then measured by the small model reading along).
    const bool explore = ExploreCue(sampling.seed, rec.generated().size() + seg.text.size(), options_.explore);
    rec.Add(writer, false, seg, seg.text, (explore ? "explore:" : "cue:") + stop, merge);
    if (explore) rec.MarkExplored();
    const size_t blanks = TrailingBlanks(stop);
    if (!options_.raw_handoff && blanks > 0 && seg.text.size() >= blanks) {
      heal = seg.text.substr(seg.text.size() - blanks);
      rec.BackOff(blanks);
    }
    state = explore                  ? State::kLargeResumed
            : seg.lookahead_deferred ? State::kSmallAfterDeferredCue
                                     : State::kSmall;
  }
  prefill_ahead.Finish();
  return rec.Finish();
}

}  // namespace relaygen
