#include "eval/inequality.h"

#include <regex>
#include <vector>

#include "eval/answer_label.h"
#include "eval/latex_expr.h"
#include "eval/text_util.h"

namespace relaygen {

void CanonicalRelations(std::string* s) {
  if (s->find_first_of("<>=!\\\xE2") == std::string::npos) return;
  // Longest spellings first, negations before the relations they negate.
  static const std::pair<const char*, const char*> kSpellings[] = {
      {"\\not\\leqslant", ">"}, {"\\not\\geqslant", "<"}, {"\\not\\leq", ">"}, {"\\not\\geq", "<"},
      {"\\not\\le", ">"},       {"\\not\\ge", "<"},       {"\\not<", "\\ge"},  {"\\not>", "\\le"},
      {"\\nleqslant", ">"},     {"\\ngeqslant", "<"},     {"\\nleq", ">"},     {"\\ngeq", "<"},
      {"\\nless", "\\ge"},      {"\\ngtr", "\\le"},       {"\\leqslant", "\\le"},
      {"\\geqslant", "\\ge"},   {"\\leq", "\\le"},        {"\\geq", "\\ge"},   {"\\neq", "\\ne"},
      {"\\lt", "<"},            {"\\gt", ">"},            {"<=", "\\le"},      {"=<", "\\le"},
      {">=", "\\ge"},           {"=>", "\\ge"},           {"!=", "\\ne"},      {"\xE2\x89\xA4", "\\le"},
      {"\xE2\x89\xA5", "\\ge"}, {"\xE2\x89\xA0", "\\ne"}};
  for (const auto& [from, to] : kSpellings) {
    std::string f = from;
    std::size_t pos = 0;
    while ((pos = s->find(f, pos)) != std::string::npos) {
      std::size_t end = pos + f.size();
      bool longer_command = f[0] == '\\' && std::isalpha(static_cast<unsigned char>(f.back())) &&
                            end < s->size() && std::isalpha(static_cast<unsigned char>((*s)[end]));
      if (longer_command) {  // "\lt" in "\ltimes", "\ge" handled above
        pos = end;
        continue;
      }
      std::string rep = std::string(" ") + to + " ";
      s->replace(pos, f.size(), rep);
      pos += rep.size();
    }
  }
}

namespace {

enum class Rel { kLt, kLe, kGt, kGe, kNe };

struct Chain {
  std::vector<std::string> terms;
  std::vector<Rel> rels;
};

// Splits "a < b \le c" at top-level relations; false if there are none or an '=' remains.
bool SplitChain(const std::string& s, Chain* chain) {
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    TrackDepth(c, &depth);
    if (depth != 0) continue;
    std::size_t len = 0;
    Rel rel = Rel::kLt;
    if (c == '<' || c == '>') {
      len = 1;
      rel = c == '<' ? Rel::kLt : Rel::kGt;
    } else if (c == '=') {
      return false;
    } else if (s.compare(i, 3, "\\le") == 0 || s.compare(i, 3, "\\ge") == 0 || s.compare(i, 3, "\\ne") == 0) {
      if (i + 3 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 3]))) continue;
      len = 3;
      rel = s[i + 1] == 'l' ? Rel::kLe : s[i + 1] == 'g' ? Rel::kGe : Rel::kNe;
    }
    if (len == 0) continue;
    chain->terms.push_back(Trim(s.substr(start, i - start)));
    chain->rels.push_back(rel);
    start = i + len;
    i = start - 1;
  }
  chain->terms.push_back(Trim(s.substr(start)));
  if (chain->rels.empty()) return false;
  for (const auto& t : chain->terms) {
    if (t.empty()) return false;
  }
  return true;
}

bool IsConstant(const std::string& t) {
  auto e = LatexExpr::Parse(t);
  return e && e->variables().empty();
}

std::string Negated(const std::string& t) { return "-(" + t + ")"; }

// "c1 < x" as the interval it bounds; a relation read from the quantity's side.
std::string OneSide(Rel rel, const std::string& c) {
  switch (rel) {
    case Rel::kLt: return "(-\\infty," + c + ")";
    case Rel::kLe: return "(-\\infty," + c + "]";
    case Rel::kGt: return "(" + c + ",\\infty)";
    case Rel::kGe: return "[" + c + ",\\infty)";
    case Rel::kNe: return "(-\\infty," + c + ")\\cup(" + c + ",\\infty)";
  }
  return "";
}

Rel Flipped(Rel rel) {
  switch (rel) {
    case Rel::kLt: return Rel::kGt;
    case Rel::kLe: return Rel::kGe;
    case Rel::kGt: return Rel::kLt;
    case Rel::kGe: return Rel::kLe;
    case Rel::kNe: return Rel::kNe;
  }
  return rel;
}

bool IsQuantity(const std::string& t, bool* absolute) {
  *absolute = t.size() > 2 && t.front() == '|' && t.back() == '|';
  return IsLabel(*absolute ? t.substr(1, t.size() - 2) : t) && !IsConstant(t);
}

std::optional<std::string> OneInequality(const std::string& s) {
  Chain chain;
  if (!SplitChain(s, &chain) || chain.rels.size() > 2) return std::nullopt;
  bool absolute = false;
  if (chain.rels.size() == 1) {
    Rel rel = chain.rels[0];
    std::string c;
    if (IsQuantity(chain.terms[0], &absolute) && IsConstant(chain.terms[1])) {
      c = chain.terms[1];
    } else if (IsQuantity(chain.terms[1], &absolute) && IsConstant(chain.terms[0])) {
      c = chain.terms[0];
      rel = Flipped(rel);
    } else {
      return std::nullopt;
    }
    if (!absolute) return OneSide(rel, c);
    // |x| < c is -c < x < c; |x| > c is x < -c or x > c.
    switch (rel) {
      case Rel::kLt: return "(" + Negated(c) + "," + c + ")";
      case Rel::kLe: return "[" + Negated(c) + "," + c + "]";
      case Rel::kGt: return OneSide(Rel::kLt, Negated(c)) + "\\cup" + OneSide(Rel::kGt, c);
      case Rel::kGe: return OneSide(Rel::kLe, Negated(c)) + "\\cup" + OneSide(Rel::kGe, c);
      case Rel::kNe: return std::nullopt;
    }
  }
  // a < x < b (or a > x > b): both relations the same way round.
  if (!IsQuantity(chain.terms[1], &absolute) || absolute || !IsConstant(chain.terms[0]) ||
      !IsConstant(chain.terms[2])) {
    return std::nullopt;
  }
  Rel r0 = chain.rels[0], r1 = chain.rels[1];
  bool up = (r0 == Rel::kLt || r0 == Rel::kLe) && (r1 == Rel::kLt || r1 == Rel::kLe);
  bool down = (r0 == Rel::kGt || r0 == Rel::kGe) && (r1 == Rel::kGt || r1 == Rel::kGe);
  if (!up && !down) return std::nullopt;
  const std::string& lo = up ? chain.terms[0] : chain.terms[2];
  const std::string& hi = up ? chain.terms[2] : chain.terms[0];
  bool lo_closed = up ? r0 == Rel::kLe : r1 == Rel::kGe;
  bool hi_closed = up ? r1 == Rel::kLe : r0 == Rel::kGe;
  return std::string(lo_closed ? "[" : "(") + lo + "," + hi + (hi_closed ? "]" : ")");
}

}  // namespace

std::optional<std::string> InequalityAsInterval(const std::string& s) {
  // (std::regex is slow: only an answer with a relation in it is looked at.)
  if (s.find_first_of("<>") == std::string::npos && s.find("\\le") == std::string::npos &&
      s.find("\\ge") == std::string::npos && s.find("\\ne") == std::string::npos) {
    return std::nullopt;
  }
  // Disjunctions: "x<-1 \text{ or } x>2", "x<-1 or x>2", "x < -1 \lor x > 2", "... \cup ...".
  static const std::regex kOr(R"(\s*(\\text\{\s*or\s*\}|\\lor\b|\bor\b|\\cup\b)\s*)");
  std::string joined = std::regex_replace(s, kOr, "\x01");
  std::vector<std::string> parts = SplitTopLevel(joined, "\x01");
  std::string out;
  for (const std::string& part : parts) {
    auto interval = OneInequality(part);
    if (!interval) {
      // "(-\infty,-1) \cup x > 2" mixes forms; a plain interval part is kept as written.
      if (parts.size() == 1 || part.empty() || (part[0] != '(' && part[0] != '[')) return std::nullopt;
      interval = part;
    }
    out += (out.empty() ? "" : "\\cup") + *interval;
  }
  return out;
}

}  // namespace relaygen
