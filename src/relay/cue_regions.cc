#include "relay/cue_regions.h"

#include <algorithm>

#include "engine/stop_matcher.h"

namespace relaygen {

const char* ToString(CueMatch match) {
  return match == CueMatch::kWordBoundary ? "word-boundary" : "substring";
}

std::vector<size_t> FindCue(std::string_view text, std::string_view cue, CueMatch match) {
  std::vector<size_t> out;
  if (cue.empty()) return out;
  for (size_t pos = text.find(cue); pos != std::string_view::npos; pos = text.find(cue, pos + 1)) {
    if (match == CueMatch::kWordBoundary) {
      // The rule of Stop::word_boundary itself, so calibration measures what the relay fires on.
      const size_t end = pos + cue.size();
      if (GluedBefore(cue, pos > 0 ? text[pos - 1] : '\0')) continue;
      if (GluedAfter(cue, end < text.size() ? text[end] : '\0')) continue;
    }
    out.push_back(pos);
  }
  return out;
}

size_t RegionStart(std::string_view cue, size_t pos) {
  size_t len = cue.size();
  while (len > 0 && (cue[len - 1] == ' ' || cue[len - 1] == '\t')) --len;
  return pos + len;
}

bool EndsSentence(std::string_view piece) {
  return piece.find_first_of(".!?\n") != std::string_view::npos;
}

CueRegions FindCueRegions(const std::vector<std::string>& pieces, std::string_view cue,
                          CueMatch match) {
  std::string text;
  std::vector<size_t> starts;
  starts.reserve(pieces.size());
  for (const std::string& p : pieces) {
    starts.push_back(text.size());
    text += p;
  }
  CueRegions out;
  std::vector<char> in_region(pieces.size(), 0);
  for (size_t pos : FindCue(text, cue, match)) {
    ++out.occurrences;
    const size_t from = RegionStart(cue, pos);
    size_t i = std::lower_bound(starts.begin(), starts.end(), from) - starts.begin();
    const int first = static_cast<int>(i);
    for (; i < pieces.size() && !EndsSentence(pieces[i]); ++i) in_region[i] = 1;
    out.spans.emplace_back(first, static_cast<int>(i));
  }
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (in_region[i]) out.tokens.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace relaygen
