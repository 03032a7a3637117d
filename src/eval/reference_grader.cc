#include "eval/reference_grader.h"

#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <regex>
#include <utility>
#include <vector>

#include "eval/latex_expr.h"
#include "eval/text_util.h"

namespace relaygen {

namespace {

std::string RegexReplace(const std::string& s, const char* pattern, const char* with) {
  return std::regex_replace(s, std::regex(pattern), with);
}

// strip_string's str.replace calls, in order.
void ReplaceEach(std::string* s, std::initializer_list<std::pair<const char*, const char*>> rules) {
  for (const auto& [from, to] : rules) ReplaceAll(s, from, to);
}

// Python's str.split(sep) (no maximum).
std::vector<std::string> Split(const std::string& s, const std::string& sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t pos = s.find(sep); pos != std::string::npos; pos = s.find(sep, start)) {
    parts.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

// _fix_fracs: "\frac12" -> "\frac{1}{2}", "\frac1{2}" -> "\frac{1}{2}".
std::string FixFracs(const std::string& s) {
  std::vector<std::string> subs = Split(s, "\\frac");
  std::string out = subs[0];
  for (std::size_t i = 1; i < subs.size(); ++i) {
    const std::string& sub = subs[i];
    out += "\\frac";
    if (!sub.empty() && sub[0] == '{') {
      out += sub;
    } else if (sub.size() < 2) {
      return s;
    } else if (sub[1] != '{') {
      out += "{" + sub.substr(0, 1) + "}{" + sub.substr(1, 1) + "}" + sub.substr(2);
    } else {
      out += "{" + sub.substr(0, 1) + "}" + sub.substr(1);
    }
  }
  return out;
}

// _fix_a_slash_b: "3/4" (integers) -> "\frac{3}{4}".
std::string FixSlash(const std::string& s) {
  static const std::regex kSlash(R"(^(-?\d+)/(\d+)$)");
  std::smatch m;
  if (std::regex_match(s, m, kSlash)) return "\\frac{" + m[1].str() + "}{" + m[2].str() + "}";
  return s;
}

// parse_digits: a number, with "," removed and a trailing "%" divided by 100.
std::optional<double> ParseDigits(std::string s) {
  s = RegexReplace(s, ",", "");
  double scale = 1;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, "\\%") == 0) {
    s.resize(s.size() - 2);
    scale = 0.01;
  } else if (!s.empty() && s.back() == '%') {
    s.pop_back();
    scale = 0.01;
  }
  static const std::regex kNumber(R"(^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$)");
  if (!std::regex_match(s, kNumber)) return std::nullopt;
  return std::strtod(s.c_str(), nullptr) * scale;
}

bool IsClose(double a, double b) {  // math.isclose(rel_tol=1e-4)
  return std::fabs(a - b) <= 1e-4 * std::max(std::fabs(a), std::fabs(b));
}

bool SymbolicEqual(const std::string& a, const std::string& b) {
  auto ea = LatexExpr::Parse(a);
  if (!ea) return false;
  auto eb = LatexExpr::Parse(b);
  if (!eb) return false;
  if (ExpressionsEquivalent(*ea, *eb)) return true;
  if (!ea->variables().empty() || !eb->variables().empty()) return false;
  Complex va = ea->Evaluate({}), vb = eb->Evaluate({});
  return va.imag() == 0 && vb.imag() == 0 && IsClose(va.real(), vb.real());
}

std::string LowerTrim(const std::string& s) { return Lower(Trim(s)); }

std::vector<std::string> MatrixCells(const std::string& s) {
  const std::string begin = "\\begin{pmatrix}", end = "\\end{pmatrix}";
  std::string inner = s.substr(begin.size(), s.size() - begin.size() - end.size());
  std::vector<std::string> cells;
  for (const std::string& line : Split(inner, "\\\\")) {
    if (Trim(line).empty()) continue;
    for (const std::string& cell : Split(line, "&")) cells.push_back(Trim(cell));
    cells.push_back("\n");  // row boundary: rows must have the same lengths
  }
  return cells;
}

bool IsMatrix(const std::string& s) {
  return s.rfind("\\begin{pmatrix}", 0) == 0 && s.size() > 28 &&
         s.compare(s.size() - 13, 13, "\\end{pmatrix}") == 0;
}

}  // namespace

std::string ReferenceStripString(std::string s) {
  s = Trim(s);
  ReplaceAll(&s, "\n", "");
  while (!s.empty() && s.back() == '.') s.pop_back();
  ReplaceAll(&s, "\\!", "");
  s = RegexReplace(s, R"(\\begin\{array\}\{.*?\})", "\\begin{pmatrix}");
  s = RegexReplace(s, R"(\\end\{array\})", "\\end{pmatrix}");
  ReplaceEach(&s, {
                   {"bmatrix", "pmatrix"},
                   {"tfrac", "frac"},
                   {"dfrac", "frac"},
                   {"\\neq", "\\ne"},
                   {"\\leq", "\\le"},
                   {"\\geq", "\\ge"},
                   {"\\left", ""},
                   {"\\right", ""},
                   {"\\{", "{"},
                   {"\\}", "}"},
                  });
  std::string no_unit = Trim(RegexReplace(s, R"(\\text\{[^}]*\}$)", ""));
  if (!no_unit.empty()) s = no_unit;
  ReplaceEach(&s, {
                   {"^{\\circ}", ""},
                   {"^\\circ", ""},
                   {"\\$", ""},
                   {"$", ""},
                   {"\\(", ""},
                   {"\\)", ""},
                  });
  s = RegexReplace(s, R"(\\text\{(.*?)\})", "$1");
  for (const char* key : {"x=", "y=", "z=", "x\\in", "y\\in", "z\\in", "x\\to", "y\\to", "z\\to"}) {
    ReplaceAll(&s, key, "");
  }
  ReplaceEach(&s, {
                   {"\\emptyset", "{}"},
                   {"(-\\infty,\\infty)", "\\mathbb{R}"},
                   {"\\%", ""},
                   {"%", ""},
                   {" .", " 0."},
                   {"{.", "{0."},
                   {"infinity", "\\infty"},
                   {"and", ""},
                   {"\\mathbf", ""},
                  });
  s = RegexReplace(s, R"(\\mbox\{.*?\})", "");
  s = RegexReplace(s, R"((\d+)\.0*([^\d]))", "$1$2");
  s = RegexReplace(s, R"((\d+)\.0*$)", "$1");
  if (s.empty()) return s;
  if (s[0] == '.') s = "0" + s;
  std::vector<std::string> sides = Split(s, "=");
  if (sides.size() == 2 && sides[0].size() <= 2) s = sides[1];
  s = RegexReplace(s, R"(\\sqrt(\w))", "\\sqrt{$1}");  // _fix_sqrt
  ReplaceAll(&s, " ", "");
  return FixSlash(FixFracs(s));
}

std::optional<std::string> ReferenceExtractAnswer(std::string_view view) {
  std::string text(view), pred;
  const std::string minerva = "final answer is $", hope = "$. I hope";
  std::size_t m = text.find(minerva);
  if (m != std::string::npos && text.find(hope) != std::string::npos) {
    std::string tail = text.substr(m + minerva.size());
    pred = Trim(tail.substr(0, tail.find(hope)));
  } else if (text.find("boxed") != std::string::npos) {
    std::string ans = text.substr(text.rfind("boxed") + 5);
    if (!ans.empty() && ans[0] == '{') {
      int depth = 1;
      for (std::size_t i = 1; i < ans.size(); ++i) {
        if (ans[i] == '{') ++depth;
        if (ans[i] == '}' && --depth == 0) break;
        pred += ans[i];
      }
    } else {
      pred = Trim(ans.substr(0, ans.find('$')));
    }
  } else if (text.find("he answer is") != std::string::npos) {
    pred = Trim(text.substr(text.rfind("he answer is") + 12));
  } else if (text.find("final answer is") != std::string::npos) {
    pred = Trim(text.substr(text.rfind("final answer is") + 15));
  } else {
    std::string digits = RegexReplace(text, ",", "");
    static const std::regex kNumber(R"(-?\d*\.?\d+)");
    for (auto it = std::sregex_iterator(digits.begin(), digits.end(), kNumber); it != std::sregex_iterator(); ++it) {
      pred = it->str();
    }
  }
  pred = RegexReplace(pred, R"(\n\s*)", "");
  if (!pred.empty() && pred[0] == ':') pred.erase(0, 1);
  if (!pred.empty() && pred.back() == '.') pred.pop_back();
  if (!pred.empty() && pred.back() == '/') pred.pop_back();
  pred = ReferenceStripString(pred);
  if (pred.empty()) return std::nullopt;
  return pred;
}

bool ReferenceMathEqual(const std::string& prediction, const std::string& reference) {
  if (LowerTrim(prediction) == LowerTrim(reference)) return true;
  auto p = ParseDigits(prediction), r = ParseDigits(reference);
  if (p && r) {  // numbers: the reference, or it as a percentage either way
    for (double item : {*r / 100, *r, *r * 100}) {
      if (IsClose(*p, item)) return true;
    }
    return false;
  }
  if (Trim(prediction).empty()) return false;
  std::string pred = Trim(prediction), ref = Trim(reference);
  // Bracket kinds are ignored when the strings otherwise agree.
  std::string pred_str = pred, ref_str = ref;
  auto strip_brackets = [](std::string s) {
    std::size_t b = s.find_first_not_of("[]()"), e = s.find_last_not_of("[]()");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  if ((pred.front() == '[' && pred.back() == ']' && ref.front() != '(') ||
      (pred.front() == '(' && pred.back() == ')' && ref.front() != '[')) {
    pred_str = strip_brackets(pred_str);
    ref_str = strip_brackets(ref_str);
  }
  for (const char* c : {"{", "}", "(", ")"}) {
    ReplaceAll(&pred_str, c, "");
    ReplaceAll(&ref_str, c, "");
  }
  if (Lower(pred_str) == Lower(ref_str)) return true;
  // [a, b] vs [c, d]: element-wise.
  static const std::regex kBracketed(R"(^(\(|\[).+(\)|\]))");
  if (std::regex_search(pred, kBracketed) && std::regex_search(ref, kBracketed)) {
    std::vector<std::string> pp = Split(pred.substr(1, pred.size() - 2), ",");
    std::vector<std::string> rp = Split(ref.substr(1, ref.size() - 2), ",");
    if (pp.size() == rp.size()) {
      bool all = true;
      for (std::size_t i = 0; i < pp.size() && all; ++i) all = ReferenceMathEqual(Trim(pp[i]), Trim(rp[i]));
      if (all) return true;
    }
  }
  if (IsMatrix(pred) && IsMatrix(ref)) {
    std::vector<std::string> pc = MatrixCells(pred), rc = MatrixCells(ref);
    if (pc.size() == rc.size()) {
      bool all = true;
      for (std::size_t i = 0; i < pc.size() && all; ++i) {
        all = pc[i] == "\n" ? rc[i] == "\n" : rc[i] != "\n" && ReferenceMathEqual(pc[i], rc[i]);
      }
      if (all) return true;
    }
  }
  std::vector<std::string> pe = Split(pred, "="), re = Split(ref, "=");
  if (pe.size() == 2 && re.size() == 2) {
    std::string pd = Trim(pe[0]) + "-(" + Trim(pe[1]) + ")", rd = Trim(re[0]) + "-(" + Trim(re[1]) + ")";
    if (SymbolicEqual(pd, rd) || SymbolicEqual("-(" + pd + ")", rd)) return true;
  } else if (pe.size() == 2 && Trim(pe[0]).size() <= 2 && re.size() == 1) {
    if (ReferenceMathEqual(Trim(pe[1]), ref)) return true;
  } else if (re.size() == 2 && Trim(re[0]).size() <= 2 && pe.size() == 1) {
    if (ReferenceMathEqual(pred, Trim(re[1]))) return true;
  }
  return SymbolicEqual(pred, ref);
}

}  // namespace relaygen
