#include "eval/answer_extract.h"

#include <gtest/gtest.h>

namespace relaygen {
namespace {

TEST(AnswerExtractTest, LastBoxedWithNestedBraces) {
  EXPECT_EQ(FindLastBoxed("so \\boxed{1} no wait \\boxed{\\frac{1}{2}}.").value(), "\\frac{1}{2}");
  EXPECT_EQ(FindLastBoxed("$\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$").value(),
            "\\left( 3, \\frac{\\pi}{2} \\right)");
  EXPECT_EQ(FindLastBoxed("\\boxed{\\{1,2\\}}").value(), "\\{1,2\\}");  // escaped braces are content
  EXPECT_EQ(FindLastBoxed("\\boxed{ 42 }").value(), "42");
}

TEST(AnswerExtractTest, BoxWithoutBracesAndFbox) {
  EXPECT_EQ(FindLastBoxed("The answer is $\\boxed 5$.").value(), "5");
  EXPECT_EQ(FindLastBoxed("answer: \\boxed 17.\nDone").value(), "17");
  EXPECT_EQ(FindLastBoxed("\\fbox{B}").value(), "B");
  EXPECT_EQ(FindLastBoxed("\\boxed{1} then \\fbox{2}").value(), "2");
}

TEST(AnswerExtractTest, NoBoxOrOnlyBroken) {
  EXPECT_FALSE(FindLastBoxed("no box here").has_value());
  EXPECT_FALSE(FindLastBoxed("\\boxed{}").has_value());  // the prompt's empty box, echoed
  EXPECT_FALSE(FindLastBoxed("\\boxedfoo{3}").has_value());
  EXPECT_FALSE(FindLastBoxed("cut off \\boxed{\\frac{1}{").has_value());
  // A final box cut off by the budget falls back to the previous complete one.
  EXPECT_EQ(FindLastBoxed("\\boxed{7} ... \\boxed{\\frac{7").value(), "7");
}

TEST(AnswerExtractTest, FallbackPhrases) {
  EXPECT_EQ(ExtractAnswer("Thus the answer is $12$.").value(), "12");
  EXPECT_EQ(ExtractAnswer("blah\nAnswer: (C)\n").value(), "(C)");
  EXPECT_EQ(ExtractAnswer("the answer is 3 but \\boxed{4}").value(), "4");  // a box wins
  EXPECT_FALSE(ExtractAnswer("I am not sure.").has_value());
  EXPECT_FALSE(ExtractAnswer("The answer is .").has_value());
}

}  // namespace
}  // namespace relaygen
