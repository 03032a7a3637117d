#include "eval/latex_expr.h"

#include <gtest/gtest.h>

#include <cmath>

namespace relaygen {
namespace {

double Value(const std::string& text) {
  auto e = LatexExpr::Parse(text);
  if (!e) {
    ADD_FAILURE() << "does not parse: " << text;
    return NAN;
  }
  Complex v = e->Evaluate({});
  EXPECT_NEAR(v.imag(), 0, 1e-12) << text;
  return v.real();
}

TEST(LatexExprTest, Arithmetic) {
  EXPECT_DOUBLE_EQ(Value("1+2\\cdot 3"), 7);
  EXPECT_DOUBLE_EQ(Value("-2^2"), -4);
  EXPECT_DOUBLE_EQ(Value("2^{10}"), 1024);
  EXPECT_DOUBLE_EQ(Value("2^23"), 12);  // ^ takes one character: 2^2 * 3
  EXPECT_DOUBLE_EQ(Value("\\frac{3}{4}"), 0.75);
  EXPECT_DOUBLE_EQ(Value("\\frac43"), 4.0 / 3);
  EXPECT_DOUBLE_EQ(Value("\\frac{270}7"), 270.0 / 7);
  EXPECT_DOUBLE_EQ(Value("\\dfrac{1}{2}"), 0.5);
  EXPECT_DOUBLE_EQ(Value("1\\frac{4}{5}"), 1.8);  // a mixed number
  EXPECT_DOUBLE_EQ(Value("137 \\frac{1}{2}"), 137.5);
  EXPECT_DOUBLE_EQ(Value("3/4"), 0.75);
  EXPECT_DOUBLE_EQ(Value(".0000672"), 0.0000672);
  EXPECT_DOUBLE_EQ(Value("5!"), 120);
  EXPECT_DOUBLE_EQ(Value("\\left( 2 \\right)(3)"), 6);
  EXPECT_DOUBLE_EQ(Value("|-3|"), 3);
  EXPECT_DOUBLE_EQ(Value("\\lfloor 2.5 \\rfloor"), 2);
}

TEST(LatexExprTest, RootsPiAndFunctions) {
  EXPECT_DOUBLE_EQ(Value("\\sqrt{16}"), 4);
  EXPECT_DOUBLE_EQ(Value("\\sqrt2"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(Value("3\\sqrt{13}"), 3 * std::sqrt(13.0));
  EXPECT_DOUBLE_EQ(Value("\\sqrt[3]{-8}"), -2);
  EXPECT_DOUBLE_EQ(Value("2\\pi"), 2 * M_PI);
  EXPECT_NEAR(Value("\\sin^2 \\frac{\\pi}{3}"), 0.75, 1e-12);
  EXPECT_NEAR(Value("\\log_2 8"), 3, 1e-12);
  EXPECT_NEAR(Value("\\cos(\\pi)"), -1, 1e-12);
  EXPECT_TRUE(std::isinf(Value("\\infty")));
}

TEST(LatexExprTest, ComplexAndVariables) {
  auto e = LatexExpr::Parse("6 - 5i");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Evaluate({}), Complex(6, -5));
  auto f = LatexExpr::Parse("2x_1 + \\theta y");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->variables(), (std::set<std::string>{"x_1", "\\theta", "y"}));
  EXPECT_EQ(f->Evaluate({{"x_1", 2}, {"\\theta", 3}, {"y", 5}}), Complex(19, 0));
}

TEST(LatexExprTest, RejectsWhatItDoesNotUnderstand) {
  for (const char* text : {"", "1+", "(1,2)", "\\frac{1}", "x = 2", "\\unknown{3}", "52_8",
                           "\\begin{pmatrix}1\\end{pmatrix}", "2)", "\\sqrt"}) {
    EXPECT_FALSE(LatexExpr::Parse(text).has_value()) << text;
  }
}

TEST(LatexExprTest, Equivalence) {
  auto eq = [](const char* a, const char* b) {
    auto ea = LatexExpr::Parse(a);
    auto eb = LatexExpr::Parse(b);
    return ea && eb && ExpressionsEquivalent(*ea, *eb);
  };
  EXPECT_TRUE(eq("(a+5)(b+2)", "ab + 2a + 5b + 10"));
  EXPECT_TRUE(eq("\\cot x", "\\frac{\\cos x}{\\sin x}"));
  EXPECT_TRUE(eq("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt3}"));
  EXPECT_FALSE(eq("x+1", "x-1"));
  EXPECT_FALSE(eq("x^2", "y^2"));
  EXPECT_FALSE(eq("3.14", "\\pi"));
  EXPECT_FALSE(eq("0.333", "\\frac13"));
  EXPECT_TRUE(ValuesClose(Complex(INFINITY, 0), Complex(INFINITY, 0)));
  EXPECT_FALSE(ValuesClose(Complex(INFINITY, 0), Complex(-INFINITY, 0)));
}

}  // namespace
}  // namespace relaygen
