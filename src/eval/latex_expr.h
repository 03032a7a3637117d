// A small parser and evaluator for the LaTeX arithmetic that final answers are written in:
// numbers, single-letter variables (with subscripts), + - * / ^, \frac \dfrac \tfrac, \sqrt[n]{},
// \pi, \infty, \cdot \times \div, implicit multiplication, mixed numbers (1\frac{4}{5}),
// factorials, the imaginary unit i, and the usual functions (\sin ... \ln \log \exp).
//
// The grader uses it to decide equivalence without a computer algebra system: two expressions are
// equal if they evaluate to the same value at the same random points (Schwartz-Zippel style).
#ifndef RELAYGEN_EVAL_LATEX_EXPR_H_
#define RELAYGEN_EVAL_LATEX_EXPR_H_

#include <complex>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace relaygen {

using Complex = std::complex<double>;

class LatexExpr {
 public:
  struct Node;

  // Parses `text`; nullopt if it is not an arithmetic expression this parser understands.
  static std::optional<LatexExpr> Parse(std::string_view text);

  LatexExpr(LatexExpr&&) noexcept;
  LatexExpr& operator=(LatexExpr&&) noexcept;
  ~LatexExpr();

  // The free variables ("x", "a_1", "\theta").
  const std::set<std::string>& variables() const { return variables_; }

  // The value with the given variable values (missing ones are 0). NaN components on domain errors.
  Complex Evaluate(const std::map<std::string, Complex>& values) const;

 private:
  explicit LatexExpr(std::unique_ptr<Node> root, std::set<std::string> variables);
  std::unique_ptr<Node> root_;
  std::set<std::string> variables_;
};

// True if two values agree to a relative tolerance (1e-6; 1e-12 absolute near zero). Infinities
// are equal only to an infinity of the same sign.
bool ValuesClose(Complex a, Complex b);

// True if the expressions agree at several random points (or once when both are constant).
bool ExpressionsEquivalent(const LatexExpr& a, const LatexExpr& b);

// True if a == 0 and b == 0 describe the same locus up to a constant factor, i.e. a / b is the
// same non-zero constant at several random points (for equations "5x - 7y + 4 = 0").
bool ProportionalExpressions(const LatexExpr& a, const LatexExpr& b);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_LATEX_EXPR_H_
