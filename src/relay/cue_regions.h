// Where switch cues occur in text, and the post-sentence region each one opens (SPEC §2.3).
#ifndef RELAYGEN_RELAY_CUE_REGIONS_H_
#define RELAYGEN_RELAY_CUE_REGIONS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relaygen {

enum class CueMatch {
  kWordBoundary,  // `Now` does not match in `Nowhere` (the Stop::word_boundary rule)
  kSubstring,     // the reference: any substring matches
};
const char* ToString(CueMatch match);

// Byte offsets where `cue` starts in `text`, left to right (overlaps allowed).
std::vector<size_t> FindCue(std::string_view text, std::string_view cue, CueMatch match);

// Byte offset where the region after an occurrence at `pos` starts: right after the cue, but
// before a trailing space (`So ` : the next word's token carries the space).
size_t RegionStart(std::string_view cue, size_t pos);

// True for the tokens that end a region: those containing `.`, `!`, `?` or a newline.
bool EndsSentence(std::string_view piece);

struct CueRegions {
  int occurrences = 0;
  std::vector<int> tokens;  // indices into `pieces`, ascending, each at most once
  // One per occurrence: the region's token indices [first, second); empty when the sentence ends
  // right after the cue. Regions of overlapping occurrences overlap.
  std::vector<std::pair<int, int>> spans;
};

// The post-sentence regions of `cue` in the text made of `pieces` (one per token): for each
// occurrence, the tokens starting at or after RegionStart up to, not including, the first token
// that EndsSentence.
CueRegions FindCueRegions(const std::vector<std::string>& pieces, std::string_view cue,
                          CueMatch match);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_CUE_REGIONS_H_
