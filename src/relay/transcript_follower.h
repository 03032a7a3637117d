// Prefill ahead: while one model of a relay writes, the other reads along on a worker thread, so
// that at the handoff only the last word or two of the transcript remain to prefill.
//
// Splitting the transcript into pieces must not change how it is tokenized, or the follower
// would hand the next model a token sequence it would never have seen. Pieces therefore end only
// at a split point (SafeSplitPoint): right before a space that follows a non-space character.
// The BPE pre-tokenizers of GPT-2, Qwen2 and Llama 3 always start a new pre-token there and never
// merge tokens across pre-tokens, so the pieces' tokens are the whole text's tokens. For other
// tokenizers (SentencePiece) the session's own prefix check (LlamaSession::Sync) keeps what is
// still valid: prefill ahead is then less useful but never wrong.
#ifndef RELAYGEN_RELAY_TRANSCRIPT_FOLLOWER_H_
#define RELAYGEN_RELAY_TRANSCRIPT_FOLLOWER_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "engine/engine.h"

namespace relaygen {

// The length of the longest prefix of `text` that ends at a split point (0 if none).
size_t SafeSplitPoint(std::string_view text);

// What a follower prefilled in the background since the last Pause.
struct FollowStats {
  int tokens = 0;
  double ms = 0;
};

class TranscriptFollower {
 public:
  // The session is borrowed and must outlive the follower.
  explicit TranscriptFollower(Session* session);
  ~TranscriptFollower();
  TranscriptFollower(const TranscriptFollower&) = delete;
  TranscriptFollower& operator=(const TranscriptFollower&) = delete;

  // Starts following `transcript` (the text so far) and, from now on, what Append adds to it.
  // The session belongs to the worker thread until Pause returns.
  void Follow(const std::string& transcript);
  // Text another model just wrote (final: it will stay in the transcript).
  void Append(std::string_view text);
  // Stops following: waits for the prefill in flight, drops what was not started, and returns
  // the background work done since the last Pause. The caller may use the session again after.
  FollowStats Pause();

 private:
  void Work();
  void Offer();  // mutex held: hand the worker the text up to the last split point

  Session* session_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string transcript_;  // what is being followed
  size_t offered_ = 0;      // the worker's target: transcript_[0, offered_)
  size_t done_ = 0;         // what the session holds (as far as the follower knows)
  bool following_ = false;
  bool busy_ = false;       // a Prefill is running on the worker
  bool quit_ = false;
  bool failed_ = false;     // a Prefill threw (context full): stop until the next Follow
  FollowStats stats_;
  std::thread worker_;      // last: started once the members above exist
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_TRANSCRIPT_FOLLOWER_H_
