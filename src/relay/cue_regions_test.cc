#include "relay/cue_regions.h"

#include <gtest/gtest.h>

namespace relaygen {
namespace {

TEST(CueRegionsTest, WordBoundaryVersusSubstring) {
  const std::string text = "Now, Nowhere KnowNow now Now";
  EXPECT_EQ(FindCue(text, "Now", CueMatch::kWordBoundary), (std::vector<size_t>{0, 25}));
  EXPECT_EQ(FindCue(text, "Now", CueMatch::kSubstring), (std::vector<size_t>{0, 5, 17, 25}));
  EXPECT_EQ(FindCue("Anything. Any,", "Any", CueMatch::kWordBoundary), (std::vector<size_t>{10}));
  // A cue ending in a space or comma only needs a boundary on its left.
  EXPECT_EQ(FindCue("So x. ReSo y", "So ", CueMatch::kWordBoundary), (std::vector<size_t>{0}));
  EXPECT_EQ(FindCue("double-check", "check", CueMatch::kWordBoundary), (std::vector<size_t>{7}));
}

TEST(CueRegionsTest, RegionStartsAfterCommaOrWord) {
  EXPECT_EQ(RegionStart("Thus,", 3), 8u);
  EXPECT_EQ(RegionStart("So ", 3), 5u);  // before the space: the next token carries it
  EXPECT_EQ(RegionStart("Now", 0), 3u);
}

TEST(CueRegionsTest, RegionsRunToTheFirstSentenceEnd) {
  //                 0      1    2      3     4    5     6      7       8    9     10   11
  const std::vector<std::string> p = {"Thus", ",", " the", " sum", " is", " 5", ".", " So", " x", " is",
                                      "\n", " 3"};
  CueRegions r = FindCueRegions(p, "Thus,", CueMatch::kWordBoundary);
  EXPECT_EQ(r.occurrences, 1);
  EXPECT_EQ(r.tokens, (std::vector<int>{2, 3, 4, 5}));
  r = FindCueRegions(p, "Thus", CueMatch::kWordBoundary);  // bare: the comma token is in
  EXPECT_EQ(r.tokens, (std::vector<int>{1, 2, 3, 4, 5}));
  r = FindCueRegions(p, "So ", CueMatch::kWordBoundary);
  EXPECT_EQ(r.tokens, (std::vector<int>{8, 9}));  // a newline token ends it
  EXPECT_TRUE(EndsSentence("3."));
  EXPECT_TRUE(EndsSentence("?!"));
  EXPECT_FALSE(EndsSentence(" 3,"));
}

TEST(CueRegionsTest, OverlappingRegionsCountTokensOnce) {
  const std::vector<std::string> p = {"Now", " Now", " we", "."};
  const CueRegions r = FindCueRegions(p, "Now", CueMatch::kWordBoundary);
  EXPECT_EQ(r.occurrences, 2);
  EXPECT_EQ(r.tokens, (std::vector<int>{1, 2}));
  EXPECT_EQ(FindCueRegions(p, "Nope", CueMatch::kSubstring).occurrences, 0);
}

}  // namespace
}  // namespace relaygen
