#include "relay/prefill_ahead.h"

#include <chrono>

#include "util/error.h"

namespace relaygen {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

size_t SafeSplitPoint(std::string_view text) {
  for (size_t i = text.size(); i-- > 1;) {
    if (text[i] == ' ' && !IsSpace(text[i - 1])) return i;
    if (text[i - 1] == '\n' && !IsSpace(text[i])) return i;
  }
  return 0;
}

PrefillAhead::PrefillAhead(std::chrono::microseconds spin) : spin_(spin) { worker_ = std::thread([this] { Work(); }); }

PrefillAhead::~PrefillAhead() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  Changed();
  worker_.join();
}

void PrefillAhead::Follow(Session* session, const std::string& transcript, bool scored) {
  std::lock_guard<std::mutex> lock(mu_);
  StartFollowing(session, transcript, scored);
}

void PrefillAhead::StartFollowing(Session* session, const std::string& transcript, bool scored) {
  if (session == nullptr) throw Error("prefill ahead needs a session");
  if (following_ || busy_) throw Error("internal: Follow while prefill ahead is not paused");
  session_ = session;
  transcript_ = transcript;
  offered_ = 0;
  done_ = 0;
  following_ = true;
  scored_ = scored;
  score_from_ = transcript.size();
  failed_ = false;
  lookahead_ = LookaheadState::kNone;
  Offer();
}

void PrefillAhead::FollowAfterLookahead(Session* session, const std::string& transcript,
                                              const Sampling& sampling) {
  std::lock_guard<std::mutex> lock(mu_);
  StartFollowing(session, transcript, /*scored=*/false);
  lookahead_ = LookaheadState::kWanted;
  lookahead_sampling_ = sampling;
  lookahead_size_ = transcript.size();
  Changed();
}

PrefillAhead::Answer PrefillAhead::LookaheadAnswer(bool wait) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto settled = [this] { return lookahead_ == LookaheadState::kNone || lookahead_ == LookaheadState::kDone; };
  if (wait) Await(lock, settled);
  if (!settled()) return Answer::kUnknown;
  return lookahead_ == LookaheadState::kDone && continues_word_ ? Answer::kContinuesWord : Answer::kEndsWord;
}

void PrefillAhead::Append(std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!following_ || failed_) return;
  const size_t before = transcript_.size();
  transcript_.append(text);
  // Only a split point inside the new text (or at its first byte) can move the target.
  const size_t from = before == 0 ? 0 : before - 1;
  if (SafeSplitPoint(std::string_view(transcript_).substr(from)) > 0) Offer();
}

void PrefillAhead::Changed() {
  changes_.fetch_add(1, std::memory_order_release);
  cv_.notify_all();
}

void PrefillAhead::Await(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready) {
  // Poll first, with the mutex released: a thread woken through the scheduler tends to be placed
  // on its waker's core, where the two models then take turns instead of running side by side
  // (measured: the small model decoded 3x slower while the large one prefilled ahead). Words arrive
  // every fraction of a millisecond during a turn, so the poll rarely ends in a sleep.
  const auto deadline = std::chrono::steady_clock::now() + spin_;
  while (!ready()) {
    const uint64_t seen = changes_.load(std::memory_order_acquire);
    lock.unlock();
    bool timed_out = false;
    while (changes_.load(std::memory_order_acquire) == seen) {
      if (std::chrono::steady_clock::now() >= deadline) {
        timed_out = true;
        break;
      }
    }
    lock.lock();
    if (timed_out) {
      cv_.wait(lock, ready);
      return;
    }
  }
}

void PrefillAhead::Offer() {
  // Even the end of a finished turn is not a split point: the next writer's first token may
  // belong to the same pre-token (`.` then `\n\n` is one in Qwen2's). Prefill ahead must leave
  // the tokens exactly as prefilling at the handoff would.
  const size_t target = SafeSplitPoint(transcript_);
  if (target <= offered_) return;
  offered_ = target;
  Changed();
}

PrefillAheadStats PrefillAhead::Pause() {
  std::unique_lock<std::mutex> lock(mu_);
  following_ = false;
  if (lookahead_ == LookaheadState::kWanted) lookahead_ = LookaheadState::kNone;  // not needed any more
  Await(lock, [this] { return !busy_; });
  session_ = nullptr;
  const PrefillAheadStats stats = stats_;
  stats_ = {};
  if (bg_error_) {
    std::exception_ptr error;
    error.swap(bg_error_);
    std::rethrow_exception(error);
  }
  return stats;
}

void PrefillAhead::Failed(std::exception_ptr error) {
  failed_ = true;
  try {
    std::rethrow_exception(error);
  } catch (const ContextOverflow&) {
    // The window is full: the writer's next Generate ends with context_full, where the relay
    // handles it. Nothing to report.
  } catch (...) {
    if (!bg_error_) bg_error_ = error;
  }
}

void PrefillAhead::Lookahead(std::unique_lock<std::mutex>& lock) {
  // The transcript as handed over ends with the cue; nothing was appended to it yet that the
  // check must not see, so the text is exactly what the cue's writer would have continued.
  const std::string text = transcript_.substr(0, lookahead_size_);
  const Sampling sampling = lookahead_sampling_;
  Session* session = session_;
  lookahead_ = LookaheadState::kRunning;
  busy_ = true;
  lock.unlock();
  LookaheadResult r;
  std::exception_ptr error;
  try {
    r = session->ContinuesWord(text, sampling);
  } catch (...) {
    error = std::current_exception();  // the cue stands; Pause reports the error
  }
  lock.lock();
  busy_ = false;
  if (error) Failed(error);
  continues_word_ = !error && r.continues_word;
  lookahead_ = LookaheadState::kDone;
  stats_.tokens += r.n_prefilled;
  stats_.ms += r.ms;
  stats_.lookaheads += 1;
  Changed();
}

void PrefillAhead::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    Await(lock, [this] {
      return quit_ || lookahead_ == LookaheadState::kWanted || (following_ && !failed_ && offered_ > done_);
    });
    if (quit_) return;
    if (lookahead_ == LookaheadState::kWanted) {
      Lookahead(lock);
      continue;
    }
    const std::string text = transcript_.substr(0, offered_);
    Session* session = session_;
    const bool scored = scored_;
    const size_t score_from = score_from_;
    busy_ = true;
    lock.unlock();
    ScoredPrefillResult r;
    std::exception_ptr error;
    try {
      if (scored) {
        r = session->PrefillScored(text, score_from);
      } else {
        static_cast<PrefillResult&>(r) = session->Prefill(text);
      }
    } catch (...) {
      error = std::current_exception();  // following stops until the next Follow
    }
    lock.lock();
    busy_ = false;
    if (error) Failed(error);
    done_ = text.size();
    stats_.tokens += r.n_prefilled;
    stats_.ms += r.ms;
    for (PrefillToken& t : r.scored) stats_.scored.push_back(std::move(t));
    Changed();
  }
}

}  // namespace relaygen
