#include "engine/stop_matcher.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace relaygen {
namespace {

Stop Plain(const std::string& text) { return Stop{text, false, false}; }
Stop Word(const std::string& text) { return Stop{text, true, false}; }

TEST(StopMatcher, StopSpanningSeveralTokens) {
  StopMatcher m({Plain("</think>")}, 0, "");
  EXPECT_FALSE(m.Push("x </").fired);
  EXPECT_FALSE(m.Push("thi").fired);
  auto r = m.Push("nk>");
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(m.text().substr(0, r.cut), "x </think>");
  EXPECT_FALSE(r.drop_token);
}

TEST(StopMatcher, TokenHoldingStopPlusMoreIsCut) {
  StopMatcher m({Plain(".")}, 0, "");
  EXPECT_FALSE(m.Push("It is 5").fired);
  auto r = m.Push(".\n\n");
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(m.text().substr(0, r.cut), "It is 5.");
}

TEST(StopMatcher, Utf8SplitAcrossTokens) {
  // "é" is C3 A9; the stop "é." arrives in three pieces.
  StopMatcher m({Plain("\xC3\xA9.")}, 0, "");
  EXPECT_FALSE(m.Push("caf\xC3").fired);
  EXPECT_EQ(m.SafeLength(), 3u);  // the lone lead byte is held back from display
  EXPECT_FALSE(m.Push("\xA9").fired);
  EXPECT_EQ(m.SafeLength(), 5u);
  auto r = m.Push(". ok");
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(r.cut, 6u);
}

TEST(StopMatcher, WordBoundaryRejectsMatchInsideWord) {
  StopMatcher m({Word("Now")}, 0, "");
  EXPECT_FALSE(m.Push("Nowhere").fired);
  EXPECT_FALSE(m.Push(" KnowNow").fired);  // glued on the left
  EXPECT_FALSE(m.Push("s").fired);         // lookahead rejects: "KnowNows"
  EXPECT_FALSE(m.Push(" end").fired);
}

TEST(StopMatcher, WordBoundaryDecidedByOneTokenLookahead) {
  StopMatcher m({Word("Now")}, 0, "\n");
  EXPECT_FALSE(m.Push("Now").fired);  // could still become "Nowhere"
  auto r = m.Push(",");
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(r.cut, 3u);
  EXPECT_TRUE(r.drop_token);  // the lookahead token is surplus

  StopMatcher m2({Word("Now")}, 0, "\n");
  EXPECT_FALSE(m2.Push("Now").fired);
  EXPECT_FALSE(m2.Push("here").fired);  // rejected: "Nowhere"
}

TEST(StopMatcher, WordBoundaryUsesPrecedingTranscript) {
  StopMatcher glued({Word("Now")}, 0, "Know");  // ... "Know" + "Now," = "KnowNow,"
  EXPECT_FALSE(glued.Push("Now,").fired);
  StopMatcher spaced({Word("Now")}, 0, "Know ");
  EXPECT_TRUE(spaced.Push("Now,").fired);
}

TEST(StopMatcher, CueEndingInPunctuationNeedsNoLookahead) {
  StopMatcher m({Word("So,")}, 0, " ");
  auto r = m.Push("So,");
  ASSERT_TRUE(r.fired);
  EXPECT_FALSE(r.drop_token);
}

TEST(StopMatcher, SubstringModeFiresInsideWords) {
  StopMatcher m({Plain("Now")}, 0, "");
  auto r = m.Push("Nowhere");
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(r.cut, 3u);
}

TEST(StopMatcher, MinTokensSuppressesEarlyMatchesForever) {
  StopMatcher m({Plain("So"), Stop{"</think>", false, true}}, 3, "");
  EXPECT_FALSE(m.Push("So").fired);  // token 1 < 3
  EXPECT_FALSE(m.Push(" a").fired);  // the early "So" never fires later
  auto r = m.Push(" So");            // token 3: armed
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(r.cut, 7u);

  StopMatcher immediate({Plain("So"), Stop{"</think>", false, true}}, 3, "");
  EXPECT_TRUE(immediate.Push("</think>").fired);  // immediate stops ignore min_tokens
}

TEST(StopMatcher, EarliestEndingStopWins) {
  StopMatcher m({Plain("\n\n"), Plain(".")}, 0, "");
  auto r = m.Push("done.\n\nNext");
  ASSERT_TRUE(r.fired);
  EXPECT_EQ(r.stop_index, 1);
  EXPECT_EQ(r.cut, 5u);
}

TEST(StopMatcher, FinishConfirmsPendingOnlyAtEndOfGeneration) {
  StopMatcher eos({Word("Now")}, 0, "");
  eos.Push("Now");
  EXPECT_TRUE(eos.Finish(true).fired);
  StopMatcher budget({Word("Now")}, 0, "");
  budget.Push("Now");
  EXPECT_FALSE(budget.Finish(false).fired);
}

TEST(StopMatcher, EmptyStopIsAnError) { EXPECT_THROW(StopMatcher({Plain("")}, 0, ""), Error); }

}  // namespace
}  // namespace relaygen
