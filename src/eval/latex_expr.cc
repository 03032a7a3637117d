#include "eval/latex_expr.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace relaygen {

struct LatexExpr::Node {
  enum Op { kNum, kVar, kAdd, kSub, kMul, kDiv, kPow, kRoot, kNeg, kFunc, kFact } op;
  Complex value;     // kNum
  std::string name;  // kVar, kFunc
  std::unique_ptr<Node> a, b;
};

namespace {

using Node = LatexExpr::Node;
using NodePtr = std::unique_ptr<Node>;

NodePtr Leaf(Complex v) {
  auto n = std::make_unique<Node>();
  n->op = Node::kNum;
  n->value = v;
  return n;
}

NodePtr Var(std::string name) {
  auto n = std::make_unique<Node>();
  n->op = Node::kVar;
  n->name = std::move(name);
  return n;
}

NodePtr Make(Node::Op op, NodePtr a, NodePtr b = nullptr, std::string name = "") {
  auto n = std::make_unique<Node>();
  n->op = op;
  n->a = std::move(a);
  n->b = std::move(b);
  n->name = std::move(name);
  return n;
}

bool IsFunction(const std::string& c) {
  static const char* const kNames[] = {"sin",    "cos",    "tan",  "cot",  "sec",  "csc",
                                       "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                                       "ln",     "log",    "exp"};
  for (const char* n : kNames) {
    if (c == n) return true;
  }
  return false;
}

bool IsGreek(const std::string& c) {
  static const char* const kNames[] = {
      "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
      "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau",
      "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
      "Xi", "Sigma", "Phi", "Psi", "Omega"};
  for (const char* n : kNames) {
    if (c == n) return true;
  }
  return false;
}

// Recursive descent over the characters; every Parse* returns nullptr on failure.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  NodePtr ParseAll() {
    NodePtr n = ParseExpr();
    SkipSpace();
    if (!n || pos_ != s_.size()) return nullptr;
    return n;
  }

  std::set<std::string> variables;

 private:
  static constexpr int kMaxDepth = 200;

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }

  // The command name at pos_ ("frac" for "\frac"), or "" if none; does not consume.
  std::string PeekCommand() const {
    if (Peek() != '\\') return "";
    std::size_t e = pos_ + 1;
    while (e < s_.size() && std::isalpha(static_cast<unsigned char>(s_[e]))) ++e;
    return std::string(s_.substr(pos_ + 1, e - pos_ - 1));
  }

  void SkipSpace() {
    while (!AtEnd()) {
      char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
        continue;
      }
      if (c == '\\' && pos_ + 1 < s_.size()) {
        char d = s_[pos_ + 1];
        if (d == ',' || d == ';' || d == ':' || d == '!' || d == ' ') {
          pos_ += 2;
          continue;
        }
        std::string cmd = PeekCommand();
        if (cmd == "quad" || cmd == "qquad" || cmd == "displaystyle" || cmd == "left" ||
            cmd == "right" || cmd == "big" || cmd == "Big" || cmd == "bigl" || cmd == "bigr") {
          pos_ += 1 + cmd.size();
          if ((cmd == "left" || cmd == "right") && Peek() == '.') ++pos_;  // null delimiter
          continue;
        }
      }
      break;
    }
  }

  bool Eat(char c) {
    SkipSpace();
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  bool EatCommand(const char* name) {
    SkipSpace();
    if (PeekCommand() != name) return false;
    pos_ += 1 + std::string(name).size();
    return true;
  }

  NodePtr ParseExpr() {
    if (++depth_ > kMaxDepth) return nullptr;
    NodePtr n = ParseTerm();
    while (n) {
      SkipSpace();
      if (Peek() == '+') {
        ++pos_;
        n = Combine(Node::kAdd, std::move(n), ParseTerm());
      } else if (Peek() == '-') {
        ++pos_;
        n = Combine(Node::kSub, std::move(n), ParseTerm());
      } else {
        break;
      }
    }
    --depth_;
    return n;
  }

  static NodePtr Combine(Node::Op op, NodePtr a, NodePtr b) {
    if (!a || !b) return nullptr;
    return Make(op, std::move(a), std::move(b));
  }

  // Whether an implicit multiplication factor starts here ("2x", "3\sqrt{2}", "(a+1)(b+2)").
  bool StartsFactor() {
    SkipSpace();
    char c = Peek();
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '(' || c == '[' ||
        c == '{') {
      return true;
    }
    std::string cmd = PeekCommand();
    return cmd == "frac" || cmd == "dfrac" || cmd == "tfrac" || cmd == "cfrac" || cmd == "sqrt" ||
           cmd == "pi" || cmd == "infty" || cmd == "lfloor" || cmd == "lceil" ||
           cmd == "text" || cmd == "mathrm" || IsFunction(cmd) || IsGreek(cmd);
  }

  NodePtr ParseTerm() {
    NodePtr n = ParseUnary();
    while (n) {
      SkipSpace();
      if (Peek() == '*' || EatCommand("cdot") || EatCommand("times")) {
        if (Peek() == '*') ++pos_;
        n = Combine(Node::kMul, std::move(n), ParseUnary());
      } else if (Peek() == '/' || EatCommand("div")) {
        if (Peek() == '/') ++pos_;
        n = Combine(Node::kDiv, std::move(n), ParseUnary());
      } else if (StartsFactor()) {
        n = Combine(Node::kMul, std::move(n), ParsePower());
      } else {
        break;
      }
    }
    return n;
  }

  NodePtr ParseUnary() {
    SkipSpace();
    if (Peek() == '-') {
      ++pos_;
      NodePtr a = ParseUnary();
      return a ? Make(Node::kNeg, std::move(a)) : nullptr;
    }
    if (Peek() == '+') {
      ++pos_;
      return ParseUnary();
    }
    return ParsePower();
  }

  NodePtr ParsePower() {
    NodePtr base = ParsePostfix();
    while (base) {
      SkipSpace();
      if (Peek() != '^') break;
      ++pos_;
      base = Combine(Node::kPow, std::move(base), ParseScriptArg());
    }
    return base;
  }

  NodePtr ParsePostfix() {
    NodePtr n = ParsePrimary();
    while (n) {
      SkipSpace();
      if (Peek() != '!') break;
      ++pos_;
      n = Make(Node::kFact, std::move(n));
    }
    return n;
  }

  // The argument of ^ : a braced group or one character ("x^23" is x^2 * 3 in LaTeX).
  NodePtr ParseScriptArg() {
    SkipSpace();
    if (Peek() == '-') {  // plain-text exponents such as 10^-4
      ++pos_;
      NodePtr a = ParseScriptArg();
      return a ? Make(Node::kNeg, std::move(a)) : nullptr;
    }
    return ParseMacroArg();
  }

  // The argument of \frac, \sqrt or ^: a braced group, one digit, one letter, or one command.
  NodePtr ParseMacroArg() {
    SkipSpace();
    char c = Peek();
    if (c == '{') return ParseGroup('{', '}');
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++pos_;
      return Leaf(Complex(c - '0', 0));
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++pos_;
      return Letter(c);
    }
    if (c == '\\') return ParsePrimary();
    return nullptr;
  }

  NodePtr ParseGroup(char open, char close) {
    if (!Eat(open)) return nullptr;
    NodePtr n = ParseExpr();
    if (!n || !Eat(close)) return nullptr;
    return n;
  }

  NodePtr Letter(char c) {
    if (c == 'i') return Leaf(Complex(0, 1));  // the imaginary unit, as in MATH's answers
    std::string name(1, c);
    variables.insert(name);
    return Var(name);
  }

  // Digits with an optional decimal point; nullopt if none here.
  std::optional<double> ParseNumberLiteral() {
    std::size_t start = pos_;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    if (Peek() == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))) {
      ++pos_;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    } else if (Peek() == '.' && pos_ > start) {
      ++pos_;  // "5." is 5
    }
    if (pos_ == start) return std::nullopt;
    return std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
  }

  // After an integer: "\frac{4}{5}" with integer literals makes a mixed number (1\frac{4}{5} = 9/5).
  std::optional<double> TryMixedFraction() {
    std::size_t save = pos_;
    SkipSpace();
    std::string cmd = PeekCommand();
    if (cmd == "frac" || cmd == "dfrac" || cmd == "tfrac") {
      pos_ += 1 + cmd.size();
      auto num = IntegerArg();
      auto den = IntegerArg();
      if (num && den && *den != 0) return *num / *den;
    }
    pos_ = save;
    return std::nullopt;
  }

  std::optional<double> IntegerArg() {
    SkipSpace();
    if (Peek() == '{') {
      ++pos_;
      SkipSpace();
      std::size_t start = pos_;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
      if (pos_ == start) return std::nullopt;
      double v = std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
      if (!Eat('}')) return std::nullopt;
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(Peek()))) return static_cast<double>(s_[pos_++] - '0');
    return std::nullopt;
  }

  NodePtr ParsePrimary() {
    if (++depth_ > kMaxDepth) return nullptr;
    NodePtr n = ParsePrimaryInner();
    --depth_;
    return n;
  }

  NodePtr ParsePrimaryInner() {
    SkipSpace();
    char c = Peek();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      bool integer_literal = std::isdigit(static_cast<unsigned char>(c));
      std::size_t start = pos_;
      auto v = ParseNumberLiteral();
      if (!v) return nullptr;
      if (Peek() == '_') return nullptr;  // a numeral in another base ("52_8"): left to the grader
      integer_literal = integer_literal && s_.substr(start, pos_ - start).find('.') == std::string_view::npos;
      if (integer_literal) {
        if (auto frac = TryMixedFraction()) return Leaf(Complex(*v + *frac, 0));
      }
      return Leaf(Complex(*v, 0));
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++pos_;
      if (Peek() == '_') {  // subscripted variable: x_1, a_{n}
        ++pos_;
        std::string sub;
        if (Peek() == '{') {
          std::size_t close = s_.find('}', pos_);
          if (close == std::string_view::npos) return nullptr;
          sub = std::string(s_.substr(pos_ + 1, close - pos_ - 1));
          pos_ = close + 1;
        } else if (std::isalnum(static_cast<unsigned char>(Peek()))) {
          sub = std::string(1, s_[pos_++]);
        } else {
          return nullptr;
        }
        std::string name = std::string(1, c) + "_" + sub;
        variables.insert(name);
        return Var(name);
      }
      return Letter(c);
    }
    if (c == '(') return ParseGroup('(', ')');
    if (c == '[') return ParseGroup('[', ']');
    if (c == '{') return ParseGroup('{', '}');
    if (c == '|') {
      ++pos_;
      NodePtr inner = ParseExpr();
      if (!inner || !Eat('|')) return nullptr;
      return Make(Node::kFunc, std::move(inner), nullptr, "abs");
    }
    if (c != '\\') return nullptr;
    std::string cmd = PeekCommand();
    if (cmd.empty()) return nullptr;
    pos_ += 1 + cmd.size();
    if (cmd == "frac" || cmd == "dfrac" || cmd == "tfrac" || cmd == "cfrac") {
      NodePtr a = ParseMacroArg();
      NodePtr b = a ? ParseMacroArg() : nullptr;
      return Combine(Node::kDiv, std::move(a), std::move(b));
    }
    if (cmd == "sqrt") {
      SkipSpace();
      NodePtr index;
      if (Peek() == '[') index = ParseGroup('[', ']');
      NodePtr arg = ParseMacroArg();
      if (!arg) return nullptr;
      if (index) return Make(Node::kRoot, std::move(arg), std::move(index));
      return Make(Node::kFunc, std::move(arg), nullptr, "sqrt");
    }
    if (cmd == "pi") return Leaf(Complex(M_PI, 0));
    if (cmd == "infty") return Leaf(Complex(INFINITY, 0));
    if (cmd == "lfloor" || cmd == "lceil") {
      NodePtr inner = ParseExpr();
      if (!inner || !EatCommand(cmd == "lfloor" ? "rfloor" : "rceil")) return nullptr;
      return Make(Node::kFunc, std::move(inner), nullptr, cmd == "lfloor" ? "floor" : "ceil");
    }
    if (IsGreek(cmd)) {
      variables.insert("\\" + cmd);
      return Var("\\" + cmd);
    }
    if (cmd == "text" || cmd == "mathrm" || cmd == "textrm" || cmd == "mathit") {
      // A word used as a variable name (\mathrm{e} stays a name, never Euler's number).
      SkipSpace();
      if (Peek() != '{') return nullptr;
      std::size_t close = s_.find('}', pos_);
      if (close == std::string_view::npos || close == pos_ + 1) return nullptr;
      std::string word(s_.substr(pos_ + 1, close - pos_ - 1));
      for (char w : word) {
        if (!std::isalpha(static_cast<unsigned char>(w))) return nullptr;
      }
      pos_ = close + 1;
      variables.insert(word);
      return Var(word);
    }
    if (IsFunction(cmd)) return ParseFunction(cmd);
    return nullptr;
  }

  // \sin x, \sin(x), \sin^2 x, \log_2 8, \sin 2x (= sin(2x), by convention).
  NodePtr ParseFunction(const std::string& name) {
    NodePtr power;
    NodePtr base;
    SkipSpace();
    if (Peek() == '^') {
      ++pos_;
      power = ParseScriptArg();
      if (!power) return nullptr;
    }
    SkipSpace();
    if (name == "log" && Peek() == '_') {
      ++pos_;
      base = ParseMacroArg();
      if (!base) return nullptr;
    }
    NodePtr arg = ParsePower();
    while (arg) {
      SkipSpace();
      if (!std::isalnum(static_cast<unsigned char>(Peek()))) break;
      arg = Make(Node::kMul, std::move(arg), ParsePower());
      if (!arg->b) return nullptr;
    }
    if (!arg) return nullptr;
    NodePtr f = Make(Node::kFunc, std::move(arg), nullptr, name);
    if (base) f = Make(Node::kDiv, std::move(f), Make(Node::kFunc, std::move(base), nullptr, "ln"));
    if (power) f = Make(Node::kPow, std::move(f), std::move(power));
    return f;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

bool IsRealInteger(Complex v, double* out) {
  if (v.imag() != 0 || !std::isfinite(v.real()) || v.real() != std::round(v.real())) return false;
  *out = v.real();
  return true;
}

Complex PowValue(Complex base, Complex exp) {
  double n;
  if (IsRealInteger(exp, &n) && std::fabs(n) <= 64) {
    Complex r(1, 0);
    for (int k = 0; k < static_cast<int>(std::fabs(n)); ++k) r *= base;
    return n < 0 ? Complex(1, 0) / r : r;
  }
  if (base.imag() == 0 && base.real() >= 0 && exp.imag() == 0) {
    return Complex(std::pow(base.real(), exp.real()), 0);
  }
  return std::pow(base, exp);
}

Complex Apply(const std::string& f, Complex x) {
  const Complex nan(NAN, NAN);
  if (f == "sqrt") {
    if (x.imag() == 0 && x.real() >= 0) return Complex(std::sqrt(x.real()), 0);
    return std::sqrt(x);
  }
  if (f == "sin") return std::sin(x);
  if (f == "cos") return std::cos(x);
  if (f == "tan") return std::tan(x);
  if (f == "cot") return Complex(1, 0) / std::tan(x);
  if (f == "sec") return Complex(1, 0) / std::cos(x);
  if (f == "csc") return Complex(1, 0) / std::sin(x);
  if (f == "arcsin") return std::asin(x);
  if (f == "arccos") return std::acos(x);
  if (f == "arctan") return std::atan(x);
  if (f == "sinh") return std::sinh(x);
  if (f == "cosh") return std::cosh(x);
  if (f == "tanh") return std::tanh(x);
  if (f == "ln" || f == "log") return std::log(x);
  if (f == "exp") return std::exp(x);
  if (f == "abs") return Complex(std::abs(x), 0);
  if (f == "floor") return x.imag() == 0 ? Complex(std::floor(x.real()), 0) : nan;
  if (f == "ceil") return x.imag() == 0 ? Complex(std::ceil(x.real()), 0) : nan;
  return nan;
}

Complex Eval(const Node& n, const std::map<std::string, Complex>& values) {
  switch (n.op) {
    case Node::kNum: return n.value;
    case Node::kVar: {
      auto it = values.find(n.name);
      return it == values.end() ? Complex(0, 0) : it->second;
    }
    case Node::kAdd: return Eval(*n.a, values) + Eval(*n.b, values);
    case Node::kSub: return Eval(*n.a, values) - Eval(*n.b, values);
    case Node::kMul: return Eval(*n.a, values) * Eval(*n.b, values);
    case Node::kDiv: return Eval(*n.a, values) / Eval(*n.b, values);
    case Node::kNeg: return -Eval(*n.a, values);
    case Node::kPow: return PowValue(Eval(*n.a, values), Eval(*n.b, values));
    case Node::kRoot: {
      Complex x = Eval(*n.a, values);
      double k;
      // The real root of a negative number for an odd index: \sqrt[3]{-8} = -2.
      if (IsRealInteger(Eval(*n.b, values), &k) && k != 0 && x.imag() == 0) {
        if (x.real() < 0 && std::fmod(std::fabs(k), 2) == 1) {
          return Complex(-std::pow(-x.real(), 1 / k), 0);
        }
        if (x.real() >= 0) return Complex(std::pow(x.real(), 1 / k), 0);
      }
      return std::pow(x, Complex(1, 0) / Eval(*n.b, values));
    }
    case Node::kFunc: return Apply(n.name, Eval(*n.a, values));
    case Node::kFact: {
      double k;
      Complex x = Eval(*n.a, values);
      if (!IsRealInteger(x, &k) || k < 0 || k > 170) return Complex(NAN, NAN);
      double r = 1;
      for (int j = 2; j <= static_cast<int>(k); ++j) r *= j;
      return Complex(r, 0);
    }
  }
  return Complex(NAN, NAN);
}

bool Finite(Complex v) { return std::isfinite(v.real()) && std::isfinite(v.imag()); }

// Deterministic sample points: every variable in [0.6, 2.2], so that sqrt and log stay real.
std::vector<std::map<std::string, Complex>> SamplePoints(const std::set<std::string>& vars, int n) {
  std::uint64_t state = 0x5eed5eed12345678ull;
  auto next = [&state] {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
  };
  std::vector<std::map<std::string, Complex>> points(n);
  for (auto& point : points) {
    for (const auto& v : vars) point[v] = Complex(0.6 + 1.6 * next(), 0);
  }
  return points;
}

std::set<std::string> Union(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> u = a;
  u.insert(b.begin(), b.end());
  return u;
}

}  // namespace

LatexExpr::LatexExpr(std::unique_ptr<Node> root, std::set<std::string> variables)
    : root_(std::move(root)), variables_(std::move(variables)) {}
LatexExpr::LatexExpr(LatexExpr&&) noexcept = default;
LatexExpr& LatexExpr::operator=(LatexExpr&&) noexcept = default;
LatexExpr::~LatexExpr() = default;

std::optional<LatexExpr> LatexExpr::Parse(std::string_view text) {
  Parser parser(text);
  NodePtr root = parser.ParseAll();
  if (!root) return std::nullopt;
  return LatexExpr(std::move(root), std::move(parser.variables));
}

Complex LatexExpr::Evaluate(const std::map<std::string, Complex>& values) const {
  return Eval(*root_, values);
}

bool ValuesClose(Complex a, Complex b) {
  bool inf_a = std::isinf(a.real()), inf_b = std::isinf(b.real());
  if (inf_a || inf_b) return inf_a && inf_b && std::signbit(a.real()) == std::signbit(b.real());
  if (!Finite(a) || !Finite(b)) return false;
  double diff = std::abs(a - b);
  return diff <= 1e-12 || diff <= 1e-6 * std::max(std::abs(a), std::abs(b));
}

bool ExpressionsEquivalent(const LatexExpr& a, const LatexExpr& b) {
  std::set<std::string> vars = Union(a.variables(), b.variables());
  if (vars.empty()) return ValuesClose(a.Evaluate({}), b.Evaluate({}));
  int compared = 0;
  for (const auto& point : SamplePoints(vars, 8)) {
    Complex va = a.Evaluate(point), vb = b.Evaluate(point);
    if (!Finite(va) && !Finite(vb)) continue;  // a pole of both: says nothing
    if (!ValuesClose(va, vb)) return false;
    ++compared;
  }
  return compared >= 3;
}

bool ProportionalExpressions(const LatexExpr& a, const LatexExpr& b) {
  std::set<std::string> vars = Union(a.variables(), b.variables());
  std::optional<Complex> ratio;
  int compared = 0;
  for (const auto& point : SamplePoints(vars, 8)) {
    Complex va = a.Evaluate(point), vb = b.Evaluate(point);
    if (!Finite(va) || !Finite(vb)) continue;
    bool zero_a = std::abs(va) <= 1e-9, zero_b = std::abs(vb) <= 1e-9;
    if (zero_a != zero_b) return false;
    if (zero_a) continue;
    Complex r = va / vb;
    if (!ratio) {
      ratio = r;
    } else if (!ValuesClose(*ratio, r)) {
      return false;
    }
    ++compared;
  }
  return compared >= 3 || (compared == 0 && vars.empty());
}

}  // namespace relaygen
