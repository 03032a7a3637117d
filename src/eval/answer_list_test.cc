#include "eval/answer_list.h"

#include <gtest/gtest.h>

#include "eval/math_equiv.h"

namespace relaygen {
namespace {

std::string Joined(std::string s) {
  JoinWordsAsCommas(&s);
  return s;
}

TEST(AnswerListTest, WordsAndSemicolonsBecomeCommas) {
  EXPECT_EQ(Joined("3 and 5"), "3, 5");
  EXPECT_EQ(Joined("x=3 or x=5"), "x=3, x=5");
  EXPECT_EQ(Joined("2, 4, and 6"), "2, 4, 6");
  EXPECT_EQ(Joined("(1,2); (3,4)"), "(1,2), (3,4)");
  EXPECT_EQ(Joined("\\{x \\mid x>0 or x<-1\\}"), "\\{x \\mid x>0 or x<-1\\}");  // inside braces
  EXPECT_EQ(Joined("a \\lor b"), "a \\lor b");
  EXPECT_EQ(Joined("random"), "random");
}

TEST(AnswerListTest, ListsSetsAndDuplicates) {
  EXPECT_TRUE(MathEquivalent("3 \\text{ and } 5", "5, 3"));
  EXPECT_TRUE(MathEquivalent("\\pm 3", "\\{-3, 3\\}"));
  EXPECT_TRUE(MathEquivalent("\\frac{-1+\\sqrt5}{2}, \\frac{-1-\\sqrt5}{2}", "\\frac{-1\\pm\\sqrt{5}}{2}"));
  EXPECT_TRUE(MathEquivalent("\\{1,2,2,3\\}", "\\{1,2,3\\}"));
  EXPECT_TRUE(MathEquivalent("{1,2}", "\\{2,1\\}"));
  EXPECT_TRUE(MathEquivalent("\\{2\\}", "2"));
  EXPECT_FALSE(MathEquivalent("3 \\text{ or } 5", "3"));  // a hedge
  EXPECT_FALSE(MathEquivalent("\\{1,2\\}", "\\{1,2,3\\}"));
  EXPECT_FALSE(MathEquivalent("(2,3)", "(2,2,3)"));       // tuples keep repeats
  EXPECT_FALSE(MathEquivalent("\\pm 3", "3"));
}

}  // namespace
}  // namespace relaygen
