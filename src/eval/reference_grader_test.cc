#include "eval/reference_grader.h"

#include <gtest/gtest.h>

namespace relaygen {
namespace {

bool RefEqual(const std::string& pred, const std::string& gold) {
  return ReferenceMathEqual(ReferenceStripString(pred), ReferenceStripString(gold));
}

// Decisions of Qwen2.5-Math's math_equal (with strip_string on both sides), including the lenient
// ones relaygen's own grader does not make.
TEST(ReferenceGraderTest, MathEqualDecisions) {
  EXPECT_TRUE(RefEqual("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(RefEqual("\\dfrac12", "\\frac{1}{2}"));
  EXPECT_TRUE(RefEqual("50", "0.5"));         // percent variants: reference x100
  EXPECT_TRUE(RefEqual("3,5", "35"));         // commas removed from numbers
  EXPECT_TRUE(RefEqual("(1,2)", "[1,2]"));    // element-wise, bracket kinds ignored
  EXPECT_TRUE(RefEqual("x=5", "5"));
  EXPECT_TRUE(RefEqual("10\\text{ cm}", "10"));
  EXPECT_TRUE(RefEqual("3.14159", "\\pi"));   // tolerance 1e-4 relative
  EXPECT_TRUE(RefEqual("\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"));
  EXPECT_TRUE(RefEqual("2a+b=1", "b+2a-1=0"));      // equations as lhs - rhs
  EXPECT_FALSE(RefEqual("y=2x+3", "2x-y+3=0"));     // strip_string drops "y=" first, as in Python
  EXPECT_FALSE(RefEqual("3.14", "\\pi"));
  EXPECT_FALSE(RefEqual("2", "-2"));
  EXPECT_FALSE(RefEqual("(1,3)", "(1,2)"));
  EXPECT_FALSE(RefEqual("x \\ge 3", "[3,\\infty)"));  // no inequality rules
}

TEST(ReferenceGraderTest, ExtractAnswer) {
  EXPECT_EQ(ReferenceExtractAnswer("so \\boxed{1} then \\boxed{\\dfrac{1}{2}}.").value(), "\\frac{1}{2}");
  EXPECT_EQ(ReferenceExtractAnswer("Final Answer: The final answer is $12$. I hope it is correct.").value(), "12");
  EXPECT_EQ(ReferenceExtractAnswer("Thus the answer is 7.").value(), "7");
  EXPECT_EQ(ReferenceExtractAnswer("We get 3 apples and 1,250 pears").value(), "1250");  // the last number
  EXPECT_FALSE(ReferenceExtractAnswer("no number here").has_value());
}

}  // namespace
}  // namespace relaygen
