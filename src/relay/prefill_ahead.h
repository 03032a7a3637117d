// Prefill ahead: while one model of a relay writes, the other prefills the growing transcript on a
// worker thread, so that at the handoff only the last word or two remain to prefill.
//
// One PrefillAhead serves both models of a relay, one at a time (only the model not writing
// prefills), so a relay never has more than two threads busy: the writer and this worker. With a
// worker per model, the paused one kept polling into the next turn and, on two cores, took a
// share of the CPU from the two threads doing the work.
//
// Splitting the transcript into pieces must not change how it is tokenized, or prefill ahead
// would hand the next model a token sequence it would never have seen. Pieces therefore end only
// at a split point (SafeSplitPoint): right before a space that follows a non-space character, or
// between a newline and a non-space character. The BPE pre-tokenizers of GPT-2, Qwen2 and Llama 3
// always start a new pre-token there (no pre-token holds a non-space then a space, or a newline
// then a non-space) and never merge tokens across pre-tokens, so the pieces' tokens are the whole
// text's tokens. (Before a newline is no split point: Qwen2 keeps `.\n` together.) For other
// tokenizers (SentencePiece) the session's own prefix check (LlamaSession::Sync) keeps what is
// still valid: prefill ahead is then less useful but never wrong.
#ifndef RELAYGEN_RELAY_PREFILL_AHEAD_H_
#define RELAYGEN_RELAY_PREFILL_AHEAD_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

// The length of the longest prefix of `text` that ends at a split point (0 if none).
size_t SafeSplitPoint(std::string_view text);

// What prefill ahead did in the background since the last Pause.
struct PrefillAheadStats {
  int tokens = 0;
  double ms = 0;
  int lookaheads = 0;  // deferred lookaheads settled (their prefill is in tokens and ms)
  // Following with `scored`: the tokens read, with margins (Session::PrefillScored); `begin` is
  // an offset in the transcript followed.
  std::vector<PrefillToken> scored;
};

class PrefillAhead {
 public:
  // How long a waiting thread polls before it sleeps on the condition variable (see Await): what
  // a lone relay on two cores wants. A server running many relays at once wants 0, or the polls
  // take the cores the decodes need.
  static constexpr std::chrono::microseconds kDefaultSpin{2000};
  explicit PrefillAhead(std::chrono::microseconds spin = kDefaultSpin);
  ~PrefillAhead();
  PrefillAhead(const PrefillAhead&) = delete;
  PrefillAhead& operator=(const PrefillAhead&) = delete;

  // Starts prefilling `transcript` (the text so far) into `session`, and from now on what Append
  // adds to it. The session is borrowed: it belongs to the worker thread until Pause returns.
  // Must be paused (or new). With `scored`, reads the text appended from now on with
  // Session::PrefillScored and keeps what it returns (PrefillAheadStats::scored): online
  // calibration's measurement of what the other model writes.
  void Follow(Session* session, const std::string& transcript, bool scored = false);
  // Follow, but first settle the deferred lookahead of the word-boundary cue that ends
  // `transcript` (Session::ContinuesWord, drawn with `sampling`): the cue's writer checks whether
  // its next token would have continued the word while the other model already writes.
  void FollowAfterLookahead(Session* session, const std::string& transcript, const Sampling& sampling);
  // The lookahead's answer. kContinuesWord: the next token continues the word, so the cue did
  // not end a word and does not count. Without `wait`, kUnknown while the check runs; with no
  // check requested, kEndsWord.
  enum class Answer { kUnknown, kEndsWord, kContinuesWord };
  Answer LookaheadAnswer(bool wait);
  // Text another model just wrote (final: it will stay in the transcript).
  void Append(std::string_view text);
  // Stops following: waits for the prefill in flight, drops what was not started, and returns
  // the background work done since the last Pause. The caller may use the session again after.
  // Pausing when paused returns empty stats.
  //
  // A background Prefill or lookahead that failed stopped the following; the first such error
  // since the last Pause is rethrown here (once: the session's own bookkeeping survives a failed
  // call, so the next run can use prefill ahead again). ContextOverflow is not an error here: the
  // window filling up is a normal end of a relay, which the writer's next Generate reports as
  // Segment::context_full where the controller handles it.
  PrefillAheadStats Pause();

 private:
  void Work();
  void StartFollowing(Session* session, const std::string& transcript, bool scored);  // mutex held
  void Changed();  // mutex held: a waiter's condition may hold now
  // Waits until `ready` (mutex held on entry and exit), polling briefly before sleeping.
  void Await(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready);
  void Offer();  // mutex held: hand the worker the text up to the last split point
  void Lookahead(std::unique_lock<std::mutex>& lock);  // runs the check; `lock` held on entry and exit
  void Failed(std::exception_ptr error);  // mutex held: background work threw `error`

  const std::chrono::microseconds spin_;
  std::mutex mu_;  // guards everything below but worker_
  Session* session_ = nullptr;  // the model reading along; null while paused
  std::condition_variable cv_;
  std::atomic<uint64_t> changes_{0};  // bumped by Changed(), for Await's poll
  std::string transcript_;  // what is being followed
  size_t offered_ = 0;      // the worker's target: transcript_[0, offered_)
  size_t done_ = 0;         // what the session holds (as far as the worker knows)
  bool following_ = false;
  bool scored_ = false;     // Follow's `scored`
  size_t score_from_ = 0;   // with scored_: the transcript's size at Follow
  bool busy_ = false;       // a Prefill is running on the worker
  bool quit_ = false;
  bool failed_ = false;     // a Prefill or lookahead threw: stop until the next Follow
  std::exception_ptr bg_error_;  // the first background failure that is not ContextOverflow
  enum class LookaheadState { kNone, kWanted, kRunning, kDone };
  LookaheadState lookahead_ = LookaheadState::kNone;  // FollowAfterLookahead's check
  bool continues_word_ = false;
  Sampling lookahead_sampling_;
  size_t lookahead_size_ = 0;  // the check continues transcript_[0, lookahead_size_)
  PrefillAheadStats stats_;
  std::thread worker_;      // last: started once the members above exist
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_PREFILL_AHEAD_H_
