#include "eval/math_equiv.h"

#include <gtest/gtest.h>

namespace relaygen {
namespace {

struct Pair {
  const char* predicted;
  const char* reference;
};

// Different spellings of the same answer: every one must grade correct, both ways round.
const Pair kPositives[] = {
    {"0.5", "\\frac12"},
    {"1,000", "1000"},
    {"90^\\circ", "90"},
    {"90^{\\circ}", "90"},
    {"\\dfrac{3}{4}", "3/4"},
    {"\\text{(A)}", "A"},
    {"(C)", "\\text{(C)}"},
    {"070", "70"},
    {"70.0", "70"},
    {"10,\\!080", "10080"},
    {"11,\\! 111,\\! 111,\\! 100", "11111111100"},
    {"10{,}080", "10080"},
    {"\\$32,\\!348", "32348"},
    {"\\$18.90", "18.9"},
    {"50\\%", "50"},
    {"5.4 \\text{ cents}", "5.4"},
    {"864 \\mbox{ inches}^2", "864"},
    {"15 cm", "15"},
    {"\\frac{270}7\\text{ degrees}", "\\frac{270}{7}"},
    {"\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"},
    {"(3, \\pi/2)", "\\left( 3, \\frac{\\pi}{2} \\right)"},
    {"\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"},
    {"3\\sqrt{13}", "\\sqrt{117}"},
    {"11\\sqrt2", "11\\sqrt{2}"},
    {"x=5", "5"},
    {"y = 2x + 3", "2x+3"},
    {"y=2x+3", "y - 2x - 3 = 0"},
    {"5x - 7y + 11z + 4 = 0", "-10x + 14y - 22z - 8 = 0"},
    {"1,-2", "-2, 1"},
    {"1 \\pm \\sqrt{19}", "1-\\sqrt{19}, 1+\\sqrt{19}"},
    {"\\{1\\pm\\sqrt{5},-2\\}", "\\{-2, 1+\\sqrt5, 1-\\sqrt5\\}"},
    {"(-\\infty, 2) \\cup (3, \\infty)", "(3,\\infty)\\cup(-\\infty,2)"},
    {"x \\in [-2,7]", "[-2,7]"},
    {"(-\\infty,\\infty)", "\\mathbb{R}"},
    {"\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
     "\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}"},
    {"\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}", "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}"},
    {"(a+5)(b+2)", "ab+2a+5b+10"},
    {"\\frac{11+9a}{20}", "\\frac{9a+11}{20}"},
    {"6 - 5i", "-5i+6"},
    {"52_8", "52"},
    {"4210_{5}", "4210_5"},
    {"1\\frac{4}{5}", "\\frac{9}{5}"},
    {"\\text{Evelyn}", "Evelyn"},
    {"\\textbf{east}", "\\text{east}"},
    {"$\\frac{14}{3}$", "\\frac{14}{3}"},
    {"\\displaystyle\\frac{1}{8}", "0.125"},
    {".35625", "0.35625"},
    {"-\\frac{\\pi}{6}", "-\\pi/6"},
    {"2k+2", "2(k+1)"},
    {"\\cot x", "\\frac{1}{\\tan x}"},
    {"\\sqrt[3]{-8}", "-2"},
    {"\\emptyset", "\\{\\}"},
};

// Answers that look alike but differ: every one must grade wrong, both ways round.
const Pair kNegatives[] = {
    {"1/2", "2"},
    {"\\frac{1}{2}", "\\frac{2}{1}"},
    {"(1,2)", "[1,2]"},
    {"(1,2]", "(1,2)"},
    {"(1,2)", "(2,1)"},
    {"(1,2)", "\\{1,2\\}"},
    {"[1,2]", "1,2"},
    {"10", "100"},
    {"1000", "100"},
    {"1,000", "1"},
    {"\\sqrt{2}", "2"},
    {"\\sqrt{2}", "\\sqrt{3}"},
    {"2\\sqrt{2}", "\\sqrt{2}"},
    {"x+1", "x-1"},
    {"x^2", "x^3"},
    {"x^2", "y^2"},
    {"A", "B"},
    {"(A)", "\\text{(B)}"},
    {"3.14", "\\pi"},
    {"0.333", "\\frac{1}{3}"},
    {"\\pi", "2\\pi"},
    {"-5", "5"},
    {"90^\\circ", "45^\\circ"},
    {"6 - 5i", "6 + 5i"},
    {"1 \\pm \\sqrt{19}", "1 + \\sqrt{19}"},
    {"1,-2", "1,2"},
    {"1,-2", "1,-2,3"},
    {"(-\\infty, 2)", "(-\\infty, 2]"},
    {"(2,\\infty)", "(-\\infty,2)"},
    {"(0,9) \\cup (9,36)", "(0,36)"},
    {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}"},
    {"\\begin{pmatrix} 1 & 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"},
    {"52_8", "52_9"},
    {"52_8", "42"},
    {"y = 2x + 3", "y = 2x - 3"},
    {"y = 2x + 3", "y = 3x + 2"},
    {"\\text{Evelyn}", "Navin"},
    {"\\cos x", "\\sin x"},
    {".0000672", ".0000673"},
    {"1\\frac{4}{5}", "\\frac{4}{5}"},
    {"x=5", "x=-5"},
    {"", "0"},
    {"12", ""},
};

TEST(MathEquivTest, Positives) {
  for (const Pair& p : kPositives) {
    EXPECT_TRUE(MathEquivalent(p.predicted, p.reference)) << p.predicted << "  vs  " << p.reference;
    EXPECT_TRUE(MathEquivalent(p.reference, p.predicted)) << p.reference << "  vs  " << p.predicted;
  }
}

TEST(MathEquivTest, Negatives) {
  EXPECT_GE(sizeof(kNegatives) / sizeof(kNegatives[0]), 30u);
  for (const Pair& p : kNegatives) {
    EXPECT_FALSE(MathEquivalent(p.predicted, p.reference)) << p.predicted << "  vs  " << p.reference;
    EXPECT_FALSE(MathEquivalent(p.reference, p.predicted)) << p.reference << "  vs  " << p.predicted;
  }
}

TEST(MathEquivTest, Normalization) {
  EXPECT_EQ(NormalizeAnswer("  $\\left( 3, \\dfrac{\\pi}{2} \\right)$. "), "( 3, \\frac{\\pi}{2} )");
  EXPECT_EQ(NormalizeAnswer("\\text{(C)}"), "(C)");
  EXPECT_EQ(NormalizeAnswer("58,500"), "58500");
  EXPECT_EQ(NormalizeAnswer("3, 5, 7"), "3, 5, 7");  // a list, not a thousands separator
  EXPECT_EQ(NormalizeAnswer("106^\\circ"), "106");
}

TEST(MathEquivTest, ChoiceLetter) {
  EXPECT_EQ(ChoiceLetter("C").value(), 'C');
  EXPECT_EQ(ChoiceLetter("(B)").value(), 'B');
  EXPECT_EQ(ChoiceLetter("\\text{(D)}").value(), 'D');
  EXPECT_EQ(ChoiceLetter("A: 10^-4 eV").value(), 'A');
  EXPECT_EQ(ChoiceLetter("Option B").value(), 'B');
  EXPECT_EQ(ChoiceLetter("\\textbf{C}").value(), 'C');
  EXPECT_FALSE(ChoiceLetter("10^-4 eV").has_value());
  EXPECT_FALSE(ChoiceLetter("c").has_value());
  EXPECT_FALSE(ChoiceLetter("AB").has_value());
}

}  // namespace
}  // namespace relaygen
