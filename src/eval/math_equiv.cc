#include "eval/math_equiv.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <vector>

#include "eval/answer_label.h"
#include "eval/answer_list.h"
#include "eval/inequality.h"
#include "eval/latex_expr.h"
#include "eval/text_util.h"

namespace relaygen {

namespace {

// Removes a LaTeX command only where it is not the prefix of a longer name (\left vs \leftarrow).
void RemoveCommand(std::string* s, const std::string& command) {
  std::size_t pos = 0;
  while ((pos = s->find(command, pos)) != std::string::npos) {
    std::size_t end = pos + command.size();
    if (end < s->size() && std::isalpha(static_cast<unsigned char>((*s)[end]))) {
      pos = end;
      continue;
    }
    s->erase(pos, command.size());
  }
}

std::string WithoutSpaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

const char* const kTextCommands[] = {"\\text",   "\\textbf",     "\\textit", "\\mbox",
                                     "\\mathrm", "\\mathbf",     "\\textrm", "\\boxed",
                                     "\\textsf", "\\textnormal", "\\textup"};

// "\text{X}" -> X when the command's group spans the whole string.
bool UnwrapText(std::string* s) {
  for (const char* cmd : kTextCommands) {
    std::string c = cmd;
    if (s->compare(0, c.size(), c) != 0) continue;
    std::size_t open = c.size();
    while (open < s->size() && (*s)[open] == ' ') ++open;
    if (open >= s->size() || (*s)[open] != '{') continue;
    if (MatchingBrace(*s, open) != s->size() - 1) continue;
    *s = Trim(s->substr(open + 1, s->size() - open - 2));
    return true;
  }
  return false;
}

// Drops a trailing unit: "\text{ cm}^2", "\mbox{ inches}^2", " cents" after a number.
bool StripTrailingUnit(std::string* s) {
  static const std::regex kTextTail(R"(^(.*?)\s*\\(text|mbox|mathrm|textrm|textbf|textit|textnormal|textsf|textup)\s*\{[^{}]*\}\s*(\^\s*\{?\s*[23]\s*\}?)?$)");
  std::smatch m;
  bool has_command = s->find('\\') != std::string::npos;
  if (has_command && std::regex_match(*s, m, kTextTail) && !Trim(m[1].str()).empty()) {
    *s = Trim(m[1].str());
    return true;
  }
  static const std::regex kWordTail(
      R"(^(.*[0-9}])\s+(square\s+|sq\s+|cubic\s+)?(units?|cm|centimeters?|m|meters?|km|kilometers?|mm|in|inch|inches|ft|feet|foot|yards?|miles?|mph|degrees?|cents?|dollars?|seconds?|minutes?|hours?|days?|weeks?|years?|pounds?|ounces?|grams?|kg|kilograms?|liters?|gallons?|percent|pct|percentage(\s+points?)?)(\^\s*\{?\s*[23]\s*\}?)?$)");
  if (s->find(' ') != std::string::npos && std::regex_match(*s, m, kWordTail)) {
    *s = Trim(m[1].str());
    return true;
  }
  return false;
}

// Index of the close bracket matching the open one at i (any of ([{ against any of )]}), or npos.
std::size_t MatchingBracket(const std::string& s, std::size_t i) {
  int depth = 0;
  for (std::size_t j = i; j < s.size(); ++j) {
    char c = s[j];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) return j;
    }
  }
  return std::string::npos;
}

// "C" or "(C)".
std::optional<char> StrictLetter(const std::string& s) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (s.size() == 1 && upper(s[0])) return s[0];
  if (s.size() == 3 && s[0] == '(' && upper(s[1]) && s[2] == ')') return s[1];
  return std::nullopt;
}

// A value with structure: a scalar, a sequence (tuple, interval, set, bare list), a matrix or a union.
struct Value {
  enum Kind { kScalar, kSequence, kMatrix, kUnion } kind = kScalar;
  std::string text;    // kScalar
  char open = 0;       // kSequence: '(' '[' '{' (a set), or 0 for a bare list
  char close = 0;
  std::vector<Value> items;               // kSequence, kUnion
  std::vector<std::vector<Value>> rows;   // kMatrix
};

Value Scalar(const std::string& text) {
  Value v;
  v.text = text;
  return v;
}

// "a \pm b" -> {a+b, a-b}; other items unchanged.
std::vector<Value> ExpandPlusMinus(const std::vector<std::string>& parts);
Value ParseValue(const std::string& s);

// The cells of the "\begin{pmatrix}...\end{pmatrix}" (or bmatrix, vmatrix, Bmatrix, matrix, array
// with its column spec) at `pos`, and the offset just past it; false if there is none.
bool ReadMatrix(const std::string& s, std::size_t pos, std::vector<std::vector<std::string>>* rows,
                std::size_t* end) {
  static const std::regex kBegin(R"(^\\begin\{([pbvB]?matrix|array)\}(\{[^{}]*\})?)");
  std::smatch m;
  std::string rest = s.substr(pos);
  if (!std::regex_search(rest, m, kBegin)) return false;
  std::string close = "\\end{" + m[1].str() + "}";
  std::size_t stop = s.find(close, pos + m.length(0));
  if (stop == std::string::npos) return false;
  rows->clear();
  for (const auto& row : SplitTopLevel(s.substr(pos + m.length(0), stop - pos - m.length(0)), "\\\\")) {
    if (!row.empty()) rows->push_back(SplitTopLevel(row, "&"));
  }
  *end = stop + close.size();
  return !rows->empty();
}

// A matrix, also in brackets ("[\begin{array}...\end{array}]", what "\left[...\right]" leaves),
// times a scalar ("2\begin{pmatrix}...", "-\begin{pmatrix}..."), or a sum or difference of such:
// simple matrix arithmetic, cell by cell. nullopt if `s` is not one.
std::optional<Value> ParseMatrixExpression(const std::string& s) {
  if (s.find("\\begin") == std::string::npos) return std::nullopt;
  std::vector<std::vector<std::string>> sum, raw;
  bool plain = true;  // one matrix with no sign or factor: its cells keep their structure
  std::size_t pos = 0;
  for (int term = 0; pos < s.size(); ++term) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    std::string sign = "+";
    if (s[pos] == '+' || s[pos] == '-') {
      sign = std::string(1, s[pos++]);
    } else if (term > 0) {
      return std::nullopt;
    }
    std::size_t begin = s.find("\\begin", pos);
    if (begin == std::string::npos) return std::nullopt;
    std::string factor = Trim(s.substr(pos, begin - pos));
    char wrap = 0;
    if (!factor.empty() && (factor.back() == '(' || factor.back() == '[')) {
      wrap = factor.back() == '(' ? ')' : ']';
      factor = Trim(factor.substr(0, factor.size() - 1));
    }
    if (!factor.empty() && !LatexExpr::Parse(factor)) return std::nullopt;
    std::vector<std::vector<std::string>> rows;
    if (!ReadMatrix(s, begin, &rows, &pos)) return std::nullopt;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (wrap != 0) {
      if (pos >= s.size() || s[pos] != wrap) return std::nullopt;
      ++pos;
    }
    plain = term == 0 && sign == "+" && factor.empty();
    if (term == 0) raw = rows;
    if (term > 0 && rows.size() != sum.size()) return std::nullopt;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (term == 0) sum.emplace_back(rows[r].size());
      if (rows[r].size() != sum[r].size()) return std::nullopt;
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        sum[r][c] += sign + "(" + (factor.empty() ? "1" : factor) + ")*(" + rows[r][c] + ")";
      }
    }
  }
  Value v;
  v.kind = Value::kMatrix;
  for (std::size_t r = 0; r < sum.size(); ++r) {
    std::vector<Value> cells;
    for (std::size_t c = 0; c < sum[r].size(); ++c) {
      cells.push_back(plain ? ParseValue(raw[r][c]) : Scalar(sum[r][c]));
    }
    v.rows.push_back(std::move(cells));
  }
  return v;
}

Value ParseValue(const std::string& s) {
  std::vector<std::string> unions = SplitTopLevel(s, "\\cup");
  if (unions.size() > 1) {
    Value v;
    v.kind = Value::kUnion;
    for (const auto& u : unions) v.items.push_back(ParseValue(u));
    return v;
  }
  if (auto matrix = ParseMatrixExpression(s)) return *matrix;
  if (s.size() >= 4 && s.compare(0, 2, "\\{") == 0 && s.compare(s.size() - 2, 2, "\\}") == 0) {
    Value v;
    v.kind = Value::kSequence;
    v.open = '{';
    v.close = '}';
    std::string inner = Trim(s.substr(2, s.size() - 4));
    if (!inner.empty()) v.items = ExpandPlusMinus(SplitTopLevel(inner, ","));
    return v;
  }
  // "{1,2}": a set written with plain braces (a LaTeX group holds no top-level comma otherwise).
  if (s.size() >= 2 && s[0] == '{' && MatchingBrace(s, 0) == s.size() - 1) {
    std::vector<std::string> parts = SplitTopLevel(s.substr(1, s.size() - 2), ",");
    if (parts.size() > 1) return ParseValue("\\{" + s.substr(1, s.size() - 2) + "\\}");
  }
  if (!s.empty() && (s[0] == '(' || s[0] == '[') && MatchingBracket(s, 0) == s.size() - 1 &&
      (s.back() == ')' || s.back() == ']')) {
    std::string inner = s.substr(1, s.size() - 2);
    std::vector<std::string> parts = SplitTopLevel(inner, ",");
    if (parts.size() > 1) {
      Value v;
      v.kind = Value::kSequence;
      v.open = s[0];
      v.close = s.back();
      for (const auto& p : parts) v.items.push_back(ParseValue(p));
      return v;
    }
  }
  std::vector<std::string> parts = SplitTopLevel(s, ",");
  std::vector<std::string> pm = SplitTopLevel(s, "\\pm");
  if (parts.size() == 1 && (pm.size() != 2 || pm[1].empty())) {
    // A \pm inside a group, "\frac{-1\pm\sqrt{5}}{2}", is the two answers with + and with -.
    std::size_t at = s.find("\\pm");
    if (pm.size() != 1 || at == std::string::npos || s.find("\\pm", at + 1) != std::string::npos ||
        (at + 3 < s.size() && std::isalpha(static_cast<unsigned char>(s[at + 3])))) {
      return Scalar(s);
    }
    Value v;
    v.kind = Value::kSequence;
    v.items = {Scalar(s.substr(0, at) + "+" + s.substr(at + 3)), Scalar(s.substr(0, at) + "-" + s.substr(at + 3))};
    return v;
  }
  Value v;
  v.kind = Value::kSequence;
  v.items = ExpandPlusMinus(parts);
  return v;
}

std::vector<Value> ExpandPlusMinus(const std::vector<std::string>& parts) {
  std::vector<Value> items;
  for (const auto& p : parts) {
    std::vector<std::string> pm = SplitTopLevel(p, "\\pm");
    if (pm.size() == 2 && !pm[1].empty()) {
      std::string a = pm[0].empty() ? "0" : pm[0];
      items.push_back(Scalar(a + "+(" + pm[1] + ")"));
      items.push_back(Scalar(a + "-(" + pm[1] + ")"));
    } else {
      items.push_back(ParseValue(p));  // p is shorter than the list it came from
    }
  }
  return items;
}

bool CompareValues(const Value& a, const Value& b);

// Items with repeats removed: a set (or a bare list of solutions) lists each element once.
std::vector<Value> Distinct(const std::vector<Value>& items) {
  std::vector<Value> out;
  for (const Value& v : items) {
    bool seen = false;
    for (const Value& o : out) seen = seen || CompareValues(v, o);
    if (!seen) out.push_back(v);
  }
  return out;
}

// A numeral with a base subscript: "52_8", "4210_{5}".
bool BaseNumeral(const std::string& s, std::string* digits, std::string* base) {
  static const std::regex kBase(R"(^([0-9A-F]+)_\{?([0-9]+)\}?$)");
  std::smatch m;
  if (s.find('_') == std::string::npos || !std::regex_match(s, m, kBase)) return false;
  *digits = m[1].str();
  *base = m[2].str();
  return true;
}

std::string StripLeadingZeros(const std::string& s) {
  std::size_t i = s.find_first_not_of('0');
  return i == std::string::npos ? "0" : s.substr(i);
}

// Splits "lhs = rhs" at a single top-level '='; false if there is none or several.
bool SplitEquation(const std::string& s, std::string* lhs, std::string* rhs) {
  std::vector<std::string> sides = SplitTopLevel(s, "=");
  if (sides.size() != 2 || sides[0].empty() || sides[1].empty()) return false;
  *lhs = sides[0];
  *rhs = sides[1];
  return true;
}

bool IsVariableName(const std::string& s) {
  static const std::regex kName(R"(^([a-zA-Z]|\\[a-zA-Z]+)(_\{?[a-zA-Z0-9]+\}?)?(\(\s*[a-z]\s*\))?$)");
  return std::regex_match(s, kName);
}

bool CompareExpressions(const std::string& a, const std::string& b) {
  auto ea = LatexExpr::Parse(a);
  if (!ea) return false;
  auto eb = LatexExpr::Parse(b);
  return eb && ExpressionsEquivalent(*ea, *eb);
}

bool CompareScalars(const std::string& a, const std::string& b) {
  if (WithoutSpaces(a) == WithoutSpaces(b)) return true;
  auto la = StrictLetter(a), lb = StrictLetter(b);
  if (la && lb) return *la == *lb;
  std::string da, ba, db, bb;
  bool based_a = BaseNumeral(a, &da, &ba), based_b = BaseNumeral(b, &db, &bb);
  if (based_a || based_b) {
    if (!based_a) da = a;
    if (!based_b) db = b;
    if (based_a && based_b && ba != bb) return false;
    return std::all_of(da.begin(), da.end(), ::isalnum) && std::all_of(db.begin(), db.end(), ::isalnum) &&
           StripLeadingZeros(da) == StripLeadingZeros(db);
  }
  std::string la_side, ra_side, lb_side, rb_side;
  bool eq_a = SplitEquation(a, &la_side, &ra_side), eq_b = SplitEquation(b, &lb_side, &rb_side);
  if (eq_a && eq_b) {
    if (CompareExpressions(la_side, lb_side) && CompareExpressions(ra_side, rb_side)) return true;
    auto fa = LatexExpr::Parse("(" + la_side + ")-(" + ra_side + ")");
    auto fb = LatexExpr::Parse("(" + lb_side + ")-(" + rb_side + ")");
    if (fa && fb) return ProportionalExpressions(*fa, *fb);
    return Lower(WithoutSpaces(a)) == Lower(WithoutSpaces(b));
  }
  // "x = 5" answers "5": the variable named on the left is only a label.
  if (eq_a && IsVariableName(la_side)) return CompareScalars(ra_side, b);
  if (eq_b && IsVariableName(lb_side)) return CompareScalars(a, rb_side);
  auto ea = LatexExpr::Parse(a);
  auto eb = LatexExpr::Parse(b);
  if (ea && eb) return ExpressionsEquivalent(*ea, *eb);
  return Lower(WithoutSpaces(a)) == Lower(WithoutSpaces(b));
}

// Matches every item of `a` to a distinct equal item of `b` (small lists: backtracking is fine).
bool MatchUnordered(const std::vector<Value>& a, const std::vector<Value>& b, std::size_t i,
                    std::vector<bool>* used) {
  if (i == a.size()) return true;
  for (std::size_t j = 0; j < b.size(); ++j) {
    if ((*used)[j] || !CompareValues(a[i], b[j])) continue;
    (*used)[j] = true;
    if (MatchUnordered(a, b, i + 1, used)) return true;
    (*used)[j] = false;
  }
  return false;
}

bool SameItems(const std::vector<Value>& a, const std::vector<Value>& b, bool ordered) {
  if (a.size() != b.size()) return false;
  if (ordered) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!CompareValues(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.size() > 12) return false;  // bound the backtracking; real answers are far smaller
  std::vector<bool> used(b.size(), false);
  return MatchUnordered(a, b, 0, &used);
}

bool CompareSameKind(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::kScalar: return CompareScalars(a.text, b.text);
    case Value::kUnion: return SameItems(a.items, b.items, /*ordered=*/false);
    case Value::kMatrix: {
      if (a.rows.size() != b.rows.size()) return false;
      for (std::size_t r = 0; r < a.rows.size(); ++r) {
        if (!SameItems(a.rows[r], b.rows[r], /*ordered=*/true)) return false;
      }
      return true;
    }
    case Value::kSequence: {
      bool bare_a = a.open == 0, bare_b = b.open == 0;
      if (bare_a && bare_b) return SameItems(Distinct(a.items), Distinct(b.items), false);
      if (bare_a || bare_b) {
        // A bare list answers a set (any order) or a tuple (in order), never an interval.
        const Value& bracketed = bare_a ? b : a;
        if (bracketed.open == '{') return SameItems(Distinct(a.items), Distinct(b.items), false);
        if (bracketed.open == '(' && bracketed.close == ')') return SameItems(a.items, b.items, true);
        return false;
      }
      if (a.open != b.open || a.close != b.close) return false;
      if (a.open == '{') return SameItems(Distinct(a.items), Distinct(b.items), false);
      return SameItems(a.items, b.items, /*ordered=*/true);
    }
  }
  return false;
}

// The single distinct element of a set or a bare list, or nullptr: "\{2\}" answers "2", and so
// do two boxes with one value written two ways ("\boxed{15\frac{39}{40}} or \boxed{\frac{639}{40}}").
const Value* OnlyElement(const Value& v, std::vector<Value>* storage) {
  if (v.kind != Value::kSequence || (v.open != '{' && v.open != 0)) return nullptr;
  *storage = Distinct(v.items);
  return storage->size() == 1 ? &(*storage)[0] : nullptr;
}

// The cells of a one-row or one-column matrix, in order; empty for any other matrix.
std::vector<Value> VectorCells(const Value& v) {
  std::vector<Value> cells;
  if (v.kind != Value::kMatrix) return cells;
  bool row = v.rows.size() == 1, column = true;
  for (const auto& r : v.rows) column = column && r.size() == 1;
  if (!row && !column) return cells;
  for (const auto& r : v.rows) cells.insert(cells.end(), r.begin(), r.end());
  return cells;
}

bool CompareValues(const Value& a, const Value& b) {
  if (a.kind == b.kind && CompareSameKind(a, b)) return true;
  std::vector<Value> storage;
  if (b.kind == Value::kScalar) {
    if (const Value* only = OnlyElement(a, &storage)) return CompareValues(*only, b);
  }
  if (a.kind == Value::kScalar) {
    if (const Value* only = OnlyElement(b, &storage)) return CompareValues(a, *only);
  }
  // A column (or row) vector answers a tuple in order: (3,-1) and \begin{pmatrix}3\\-1\end{pmatrix}.
  for (const auto& [m, t] : {std::pair<const Value*, const Value*>{&a, &b}, {&b, &a}}) {
    if (m->kind == Value::kMatrix && t->kind == Value::kSequence && t->open == '(' && t->close == ')') {
      std::vector<Value> cells = VectorCells(*m);
      if (!cells.empty()) return SameItems(cells, t->items, /*ordered=*/true);
    }
  }
  // Labelled answers, chains and approximations state a value: compare that
  // ("(a,b)=(4,1)" and "(4,1)", "y = 2+3 = 5" and "5", "x \approx 14.1" and "14.1").
  std::vector<std::string> stated_a, stated_b;
  if (a.kind == Value::kScalar) stated_a = StatedValues(a.text);
  if (b.kind == Value::kScalar) stated_b = StatedValues(b.text);
  if (stated_a.empty() && stated_b.empty()) return false;
  for (const Value* side : {&a, &b}) {
    std::vector<std::string>& stated = side == &a ? stated_a : stated_b;
    if (stated.empty()) stated.push_back(side->text);
  }
  for (const std::string& va : stated_a) {
    for (const std::string& vb : stated_b) {
      if (va == a.text && vb == b.text) continue;
      if (CompareValues(va == a.text && a.kind != Value::kScalar ? a : ParseValue(va),
                        vb == b.text && b.kind != Value::kScalar ? b : ParseValue(vb))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string NormalizeAnswer(std::string_view answer) {
  std::string s = Trim(std::string(answer));
  // Math delimiters around the whole answer.
  if (s.size() >= 4 && (s.compare(0, 2, "\\(") == 0 || s.compare(0, 2, "\\[") == 0)) {
    s = Trim(s.substr(2, s.size() - 4));
  }
  while (!s.empty() && s.front() == '$') s.erase(0, 1);
  while (!s.empty() && s.back() == '$') s.pop_back();
  ReplaceAll(&s, "\\dfrac", "\\frac");
  ReplaceAll(&s, "\\tfrac", "\\frac");
  ReplaceAll(&s, "\\cfrac", "\\frac");
  CanonicalRelations(&s);
  RemoveCommand(&s, "\\displaystyle");
  ReplaceAll(&s, "\\left.", "");
  ReplaceAll(&s, "\\right.", "");
  RemoveCommand(&s, "\\left");
  RemoveCommand(&s, "\\right");
  RemoveCommand(&s, "\\bigl");
  RemoveCommand(&s, "\\bigr");
  // Thousands separators: 10,\!080   11,\! 111,\! 100   10{,}080.
  // (std::regex is slow: each rule runs only when its trigger is present.)
  static const std::regex kThinComma(R"((\d),\\!\s*(\d{3}))");
  while (s.find(",\\!") != std::string::npos) {
    std::string next = std::regex_replace(s, kThinComma, "$1$2");
    if (next == s) break;
    s = next;
  }
  // "{,}" before exactly three digits groups thousands (10{,}080); before any other number of
  // digits it is a decimal comma (3{,}5 = 3.5). A bare comma is never a decimal point.
  static const std::regex kBraceComma(R"((\d)\{,\}(\d{3})(?!\d))");
  static const std::regex kDecimalComma(R"((\d)\{,\}(\d))");
  if (s.find("{,}") != std::string::npos) {
    // Repeated: one pass cannot rewrite both groups of "1{,}200{,}000" (they share a digit).
    for (std::string next; (next = std::regex_replace(s, kBraceComma, "$1$2")) != s;) s = next;
    s = std::regex_replace(s, kDecimalComma, "$1.$2");
  }
  // Protect the matrix row separator "\\\\" from the "\\ " (a space) rule below.
  ReplaceAll(&s, "\\\\", "\x01");
  for (const char* space : {"\\!", "\\,", "\\;", "\\:"}) ReplaceAll(&s, space, "");
  ReplaceAll(&s, "\\ ", " ");
  ReplaceAll(&s, "\x01", "\\\\");
  RemoveCommand(&s, "\\qquad");
  RemoveCommand(&s, "\\quad");
  // Degrees, currency, percent.
  static const std::regex kDegrees(R"(\^\s*\{?\s*\\circ\s*\}?)");
  if (s.find("\\circ") != std::string::npos) s = std::regex_replace(s, kDegrees, "");
  ReplaceAll(&s, "\xC2\xB0", "");  // the degree sign
  RemoveCommand(&s, "\\degree");
  ReplaceAll(&s, "\\$", "");
  ReplaceAll(&s, "$", "");
  ReplaceAll(&s, "\\%", "");
  ReplaceAll(&s, "%", "");
  ReplaceAll(&s, "\\leq", "\\le");
  ReplaceAll(&s, "\\geq", "\\ge");
  ReplaceAll(&s, "\\neq", "\\ne");
  ReplaceAll(&s, "\\emptyset", "\\{\\}");
  ReplaceAll(&s, "\\varnothing", "\\{\\}");
  ReplaceAll(&s, "\\mathbb{R}", "(-\\infty,\\infty)");
  s = Trim(s);
  for (int i = 0; i < 4; ++i) {
    bool changed = false;
    while (!s.empty() && (s.back() == '.' || s.back() == ' ')) {
      s.pop_back();
      changed = true;
    }
    changed |= UnwrapText(&s);
    changed |= StripTrailingUnit(&s);
    if (!changed) break;
  }
  // Remaining \text{...} inside an answer is plain text: "\text{east}" -> "east".
  static const std::regex kInnerText(R"(\\(text|textbf|textit|textnormal|textsf|textup|mbox|mathrm|textrm)\s*\{([^{}]*)\})");
  if (s.find('\\') != std::string::npos) s = std::regex_replace(s, kInnerText, "$2");
  static const std::regex kThousands(R"(^-?\d{1,3}(,\d{3})+(\.\d+)?$)");
  if (s.find(',') != std::string::npos && std::regex_match(s, kThousands)) ReplaceAll(&s, ",", "");
  static const std::regex kInPrefix(R"(^[a-zA-Z]\s*\\in\s*)");
  if (s.find("\\in") != std::string::npos) s = std::regex_replace(s, kInPrefix, "");
  // "1 000 000": spaces grouping thousands (never "1 000" = 1 * 000).
  static const std::regex kSpaceThousands(R"(^-?\d{1,3}( \d{3})+(\.\d+)?$)");
  if (s.find(' ') != std::string::npos && std::regex_match(s, kSpaceThousands)) ReplaceAll(&s, " ", "");
  if (auto interval = InequalityAsInterval(s)) s = *interval;
  JoinWordsAsCommas(&s);
  // Collapse whitespace: it never matters except to separate a command from a letter.
  std::string out;
  for (char c : s) {
    bool space = std::isspace(static_cast<unsigned char>(c));
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return Trim(out);
}

bool MathEquivalent(std::string_view predicted, std::string_view reference) {
  std::string a = NormalizeAnswer(predicted), b = NormalizeAnswer(reference);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  return CompareValues(ParseValue(a), ParseValue(b));
}

std::optional<char> ChoiceLetter(std::string_view answer) {
  std::string s = NormalizeAnswer(answer);
  for (const char* prefix : {"Option ", "option ", "Answer:", "answer:", "Answer ", "Choice "}) {
    std::string p = prefix;
    if (s.compare(0, p.size(), p) == 0) s = Trim(s.substr(p.size()));
  }
  if (auto letter = StrictLetter(s)) return letter;
  // "C) ...", "C: ...", "C. ...", "(C) ..."
  static const std::regex kLead(R"(^\(?([A-Z])(\)|:|\.|\s)\s*.*$)");
  std::smatch m;
  if (std::regex_match(s, m, kLead)) return m[1].str()[0];
  return std::nullopt;
}

}  // namespace relaygen
