#include "eval/inequality.h"

#include <gtest/gtest.h>

#include "eval/math_equiv.h"

namespace relaygen {
namespace {

std::string Canonical(std::string s) {
  CanonicalRelations(&s);
  return s;
}

TEST(InequalityTest, EverySpellingOfARelation) {
  for (const char* le : {"x<=3", "x=<3", "x\\leq3", "x\\le3", "x\\leqslant3", "x\xE2\x89\xA4" "3",
                         "x\\not>3", "x\\ngtr3"}) {
    EXPECT_EQ(InequalityAsInterval(Canonical(le)).value_or("?"), "(-\\infty,3]") << le;
  }
  for (const char* gt : {"x>3", "x\\gt3", "x\\not\\le3", "x\\nleq3", "3<x", "3\\lt x"}) {
    EXPECT_EQ(InequalityAsInterval(Canonical(gt)).value_or("?"), "(3,\\infty)") << gt;
  }
  EXPECT_EQ(InequalityAsInterval(Canonical("x != 2")).value_or("?"), "(-\\infty,2)\\cup(2,\\infty)");
  EXPECT_EQ(Canonical("\\ltimes"), "\\ltimes");  // a longer command is not "\lt"
}

TEST(InequalityTest, ChainsAbsoluteValuesAndDisjunctions) {
  EXPECT_EQ(InequalityAsInterval(Canonical("-3 \\le x \\le 5")).value_or("?"), "[-3,5]");
  EXPECT_EQ(InequalityAsInterval(Canonical("3 > x >= -2")).value_or("?"), "[-2,3)");
  EXPECT_EQ(InequalityAsInterval(Canonical("0<g(t)<2")).value_or("?"), "(0,2)");
  EXPECT_EQ(InequalityAsInterval(Canonical("|x| \\le 1")).value_or("?"), "[-(1),1]");
  EXPECT_EQ(InequalityAsInterval(Canonical("x<-1 \\text{ or } x>2")).value_or("?"),
            "(-\\infty,-1)\\cup(2,\\infty)");
  // Not inequalities in one named quantity against constants.
  EXPECT_FALSE(InequalityAsInterval(Canonical("x < y")).has_value());
  EXPECT_FALSE(InequalityAsInterval(Canonical("2x < 4")).has_value());
  EXPECT_FALSE(InequalityAsInterval(Canonical("1 < x > 2")).has_value());
  EXPECT_FALSE(InequalityAsInterval("(1,2)").has_value());
}

TEST(InequalityTest, GradedAgainstIntervals) {
  EXPECT_TRUE(MathEquivalent("x \\geq 3", "[3,\\infty)"));
  EXPECT_TRUE(MathEquivalent("3 \\le x", "x>=3"));
  EXPECT_TRUE(MathEquivalent("-3 \\le x \\le 5", "[-3,5]"));
  EXPECT_TRUE(MathEquivalent("x \\neq 2", "(-\\infty,2)\\cup(2,\\infty)"));
  EXPECT_FALSE(MathEquivalent("x > 3", "[3,\\infty)"));   // wrong bracket
  EXPECT_FALSE(MathEquivalent("x \\ge 3", "x \\le 3"));   // wrong direction
  EXPECT_FALSE(MathEquivalent("-3 \\le x \\le 4", "[-3,5]"));  // wrong end
  EXPECT_FALSE(MathEquivalent("x \\ge -3", "x \\ge 3"));  // wrong sign
  EXPECT_FALSE(MathEquivalent("x > 3", "3"));
}

}  // namespace
}  // namespace relaygen
