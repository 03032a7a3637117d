// A Session that a server can stop from outside the policy running on it: once `stop` is set
// (the client hung up, or the answer reached one of its stop strings), the segment in progress
// ends as if the context window were full, and so does every later Generate at once. Every policy
// ends its run at a full window, so no policy needs to know about clients.
#ifndef RELAYGEN_SERVE_STOPPABLE_SESSION_H_
#define RELAYGEN_SERVE_STOPPABLE_SESSION_H_

#include <atomic>
#include <string>

#include "engine/engine.h"

namespace relaygen {

class StoppableSession : public Session {
 public:
  // Both are borrowed and must outlive this object.
  StoppableSession(Session* inner, const std::atomic<bool>* stop) : inner_(inner), stop_(stop) {}

  Segment Generate(const std::string& transcript, const SegmentRequest& request,
                   const TextCallback& on_text) override;
  PrefillResult Prefill(const std::string& text) override;
  ScoredPrefillResult PrefillScored(const std::string& text, size_t score_from) override;
  LookaheadResult ContinuesWord(const std::string& transcript, const Sampling& sampling) override;
  ScoreResult Score(const std::string& context, const std::string& continuation) override;
  int CountTokens(const std::string& text) const override { return inner_->CountTokens(text); }

 private:
  bool stopped() const { return stop_->load(std::memory_order_acquire); }
  static Segment Stopped(Segment seg);  // `seg` marked as ended by a full window

  Session* inner_;
  const std::atomic<bool>* stop_;
};

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_STOPPABLE_SESSION_H_
