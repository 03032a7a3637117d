#include "eval/answer_label.h"

#include <gtest/gtest.h>

#include "eval/math_equiv.h"

namespace relaygen {
namespace {

using Values = std::vector<std::string>;

TEST(AnswerLabelTest, Labels) {
  for (const char* label : {"x", "AB", "S_{10}", "\\lambda", "[ABC]", "Area", "f(3)", "(a,b)", "P:Q",
                            "\\frac{BE}{EC}", "\\angle ABC", "m\\angle A", "|AB|"}) {
    EXPECT_TRUE(IsLabel(label)) << label;
  }
  for (const char* not_label : {"x+y", "2x", "3", "\\frac{1}{2}", "x^2", "", "(1,2)"}) {
    EXPECT_FALSE(IsLabel(not_label)) << not_label;
  }
}

TEST(AnswerLabelTest, StatedValues) {
  EXPECT_EQ(StatedValues("(a,b)=(4,1)"), Values{"(4,1)"});
  EXPECT_EQ(StatedValues("y = 2+3 = 5"), Values{"5"});
  EXPECT_EQ(StatedValues("2+3=5"), Values{"5"});
  EXPECT_EQ(StatedValues("x \\approx 14.1"), Values{"14.1"});
  EXPECT_EQ(StatedValues("\\frac13 \\approx 0.333"), (Values{"\\frac13", "0.333"}));
  EXPECT_EQ(StatedValues("y - 2x - 3 = 0"), Values{});  // an equation, not a value
  EXPECT_EQ(StatedValues("x+y=1"), Values{});
  EXPECT_EQ(StatedValues("2+3=6"), Values{});           // a false computation states nothing
  EXPECT_EQ(StatedValues("5"), Values{});
}

TEST(AnswerLabelTest, GradedByTheirValue) {
  EXPECT_TRUE(MathEquivalent("(a,b)=(4,1)", "(4,1)"));
  EXPECT_TRUE(MathEquivalent("P:Q=2", "2"));
  EXPECT_TRUE(MathEquivalent("\\frac{AB}{CD}=\\frac34", "0.75"));
  EXPECT_TRUE(MathEquivalent("a_5 = 2^4 = 16", "16"));
  EXPECT_TRUE(MathEquivalent("\\angle ABC = 30^\\circ", "30"));
  EXPECT_FALSE(MathEquivalent("(a,b)=(1,4)", "(4,1)"));  // wrong order
  EXPECT_FALSE(MathEquivalent("y = 2+3 = 5", "6"));
  EXPECT_FALSE(MathEquivalent("x+y=1", "1"));            // a line is not its constant term
  EXPECT_FALSE(MathEquivalent("x=-5", "x=5"));           // wrong sign
}

}  // namespace
}  // namespace relaygen
