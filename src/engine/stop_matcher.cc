#include "engine/stop_matcher.h"

#include <algorithm>

#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {

bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || u == '_' || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
         (u >= 'A' && u <= 'Z');
}

bool GluedBefore(std::string_view stop, char before) {
  return before != '\0' && IsWordByte(stop.front()) && IsWordByte(before);
}

bool GluedAfter(std::string_view stop, char after) {
  return after != '\0' && IsWordByte(stop.back()) && IsWordByte(after);
}

StopMatcher::StopMatcher(std::vector<Stop> stops, int min_tokens, std::string_view preceding)
    : stops_(std::move(stops)),
      min_tokens_(min_tokens),
      preceding_(preceding.empty() ? '\0' : preceding.back()) {
  for (const Stop& stop : stops_) {
    if (stop.text.empty()) throw Error("empty stop string: a stop needs at least one character");
  }
}

bool StopMatcher::LeftBoundaryOk(const Candidate& c) const {
  const Stop& stop = stops_[c.stop_index];
  if (!stop.word_boundary) return true;
  return !GluedBefore(stop.text, c.start > 0 ? text_[c.start - 1] : preceding_);
}

int StopMatcher::RightBoundary(const Candidate& c) const {
  const Stop& stop = stops_[c.stop_index];
  if (!stop.word_boundary) return 1;
  // At the end of the text: undecided if some next character could glue to the stop.
  if (c.end == text_.size()) return GluedAfter(stop.text, 'a') ? -1 : 1;
  return GluedAfter(stop.text, text_[c.end]) ? 0 : 1;
}

StopMatcher::Result StopMatcher::Scan(size_t old_len) {
  const bool armed = n_tokens_ >= min_tokens_;
  Candidate best;
  bool have_best = false, best_pending = false;
  for (size_t i = 0; i < stops_.size(); ++i) {
    const Stop& stop = stops_[i];
    if (!armed && !stop.immediate) continue;
    const size_t len = stop.text.size();
    // Only matches that end inside the newest piece: earlier ones were decided already.
    size_t from = old_len + 1 > len ? old_len + 1 - len : 0;
    for (size_t pos = text_.find(stop.text, from); pos != std::string::npos;
         pos = text_.find(stop.text, pos + 1)) {
      Candidate c{pos, pos + len, static_cast<int>(i)};
      if (!LeftBoundaryOk(c)) continue;
      const int right = RightBoundary(c);
      if (right == 0) continue;
      const bool better = !have_best || c.end < best.end ||
                          (c.end == best.end && len > stops_[best.stop_index].text.size());
      if (better) {
        best = c;
        have_best = true;
        best_pending = (right == -1);
      }
      break;  // later occurrences of the same stop end later
    }
  }
  Result result;
  if (!have_best) return result;
  if (best_pending) {
    pending_ = true;
    pending_match_ = best;
    return result;
  }
  result.fired = true;
  result.cut = best.end;
  result.stop_index = best.stop_index;
  return result;
}

StopMatcher::Result StopMatcher::Push(std::string_view piece) {
  const size_t old_len = text_.size();
  text_.append(piece);
  ++n_tokens_;
  if (pending_) {
    if (text_.size() == pending_match_.end) return {};  // empty piece: still undecided
    pending_ = false;
    if (RightBoundary(pending_match_) == 1) {
      Result result;
      result.fired = true;
      result.cut = pending_match_.end;
      result.stop_index = pending_match_.stop_index;
      result.drop_token = true;
      return result;
    }
  }
  return Scan(old_len);
}

StopMatcher::Result StopMatcher::Finish(bool end_of_generation) {
  Result result;
  if (pending_ && end_of_generation) {
    result.fired = true;
    result.cut = pending_match_.end;
    result.stop_index = pending_match_.stop_index;
  }
  pending_ = false;
  return result;
}

StopMatcher::Result StopMatcher::FirePending() {
  Result result;
  if (!pending_) return result;
  pending_ = false;
  result.fired = true;
  result.cut = pending_match_.end;
  result.stop_index = pending_match_.stop_index;
  return result;
}

size_t StopMatcher::SafeLength() const { return CompleteUtf8Prefix(text_); }

}  // namespace relaygen
