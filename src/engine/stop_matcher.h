// Finds stop strings in a growing text stream. The semantics are those documented on `Stop` in
// engine.h; this class is their single implementation, independent of any model.
#ifndef RELAYGEN_ENGINE_STOP_MATCHER_H_
#define RELAYGEN_ENGINE_STOP_MATCHER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

class StopMatcher {
 public:
  // `preceding` is the transcript text before the generated text (only its last byte matters,
  // for word boundaries). Throws relaygen::Error on an empty stop string.
  StopMatcher(std::vector<Stop> stops, int min_tokens, std::string_view preceding);

  struct Result {
    bool fired = false;
    size_t cut = 0;        // with fired: length of the generated text to keep
    int stop_index = -1;
    bool drop_token = false;  // with fired: the pushed piece contributes nothing (lookahead token)
  };

  // Appends the text of the next generated token (the n-th, 1-based, counting this one).
  Result Push(std::string_view piece);

  // Generation ended without a further token: a match waiting for lookahead is confirmed when
  // `end_of_generation` (the text really ends there), else dropped (budget, cancel).
  Result Finish(bool end_of_generation);

  // A word-boundary match at the end of the text waits for its lookahead token.
  bool pending() const { return pending_; }
  // Fires that match without its lookahead (SegmentRequest::defer_lookahead).
  Result FirePending();

  const std::string& text() const { return text_; }

  // Bytes of text() that can be shown now. A stop is kept in the text and text is only ever cut
  // inside the newest token, so everything pushed before is final; only an unfinished UTF-8
  // sequence at the end is held back.
  size_t SafeLength() const;

 private:
  struct Candidate {
    size_t start = 0, end = 0;
    int stop_index = -1;
  };
  // Searches matches that end after `old_len` (i.e. in the newest piece).
  Result Scan(size_t old_len);
  bool LeftBoundaryOk(const Candidate& c) const;
  // -1: undecidable yet (match ends at the end of the text), 0: rejected, 1: ok.
  int RightBoundary(const Candidate& c) const;

  std::vector<Stop> stops_;
  int min_tokens_;
  char preceding_;  // '\0' when there is none
  std::string text_;
  int n_tokens_ = 0;
  bool pending_ = false;  // a word-boundary match waits for its lookahead token
  Candidate pending_match_;
};

// Stop::word_boundary's rule, in one place: whatever else looks for words as stops do (a search
// over finished text, say) uses these, so that it finds exactly what a stop would fire on.
//
// True for bytes that count as part of a word.
bool IsWordByte(char c);
// Whether a match of `stop` (not empty) is glued to the word character `before` it / `after` it:
// only a side where the stop itself begins / ends with a word character can be. '\0' stands for
// no character (the text begins / ends there).
bool GluedBefore(std::string_view stop, char before);
bool GluedAfter(std::string_view stop, char after);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_STOP_MATCHER_H_
