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

TEST(AnswerExtractTest, AllBoxesOfTheFinalAnswer) {
  EXPECT_EQ(ExtractAnswer("The solutions are $\\boxed{4}$ and $\\boxed{7}$.").value(), "4, 7");
  EXPECT_EQ(ExtractAnswer("We find $a=\\boxed{3}$ and $b=\\boxed{5}$.").value(), "3, 5");
  EXPECT_EQ(ExtractAnswer("\\boxed{(2,1)}\\quad\\text{and}\\quad\\boxed{(1,2)}").value(), "(2,1), (1,2)");
  EXPECT_EQ(ExtractAnswer("so \\boxed{12}.\n\n**Final Answer**\n\\boxed{12}").value(), "12");  // repeated
  // A box in an earlier sentence is an intermediate result.
  EXPECT_EQ(ExtractAnswer("Pick the pair: $\\boxed{3}$. Then order it.\n\nSo $\\boxed{6}$.").value(), "6");
  EXPECT_EQ(ExtractAnswer("\\boxed{12}\\ldots no wait, that overcounts. It is \\boxed{10}.").value(), "10");
}

TEST(AnswerExtractTest, UnboxedEndings) {
  EXPECT_EQ(ExtractAnswer("Final Answer: The final answer is 12. I hope it is correct.").value(), "12");
  EXPECT_EQ(ExtractAnswer("Final Answer: The final answer is 4.5. I hope it is correct.").value(), "4.5");
  EXPECT_EQ(ExtractAnswer("Checking k = 1, ..., 11 fails. So the smallest k is 12.").value(), "12");
  EXPECT_EQ(ExtractAnswer("Therefore, $x = 20$.").value(), "x = 20");
  EXPECT_EQ(ExtractAnswer("**Final Answer**\n$8$").value(), "8");
  EXPECT_EQ(ExtractAnswer("gives 8 in total.\n#### 8").value(), "8");
  EXPECT_EQ(ExtractAnswer("Hence the count is **24**.").value(), "24");
  // An answer phrase after the last box replaces it, when it states something math-like.
  EXPECT_EQ(ExtractAnswer("I guessed $\\boxed{12}$, wrongly.\n\nRecounting, the answer is 15.").value(), "15");
  EXPECT_EQ(ExtractAnswer("\\boxed{5}. To check that the answer is correct, substitute.").value(), "5");
  EXPECT_FALSE(ExtractAnswer("Let me think. I hope it is correct.").has_value());
}

}  // namespace
}  // namespace relaygen
