#include "eval/answer_label.h"

#include <cctype>
#include <regex>

#include "eval/latex_expr.h"
#include "eval/text_util.h"

namespace relaygen {

bool IsLabel(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  std::string t = s;
  // Subscripts and the arguments of a one-letter function name are part of the name.
  static const std::regex kSubscript(R"(_(\{[^{}]*\}|[A-Za-z0-9]))");
  static const std::regex kCall(R"(\b([A-Za-z])\s*\([^()]*\))");
  static const std::regex kNameCommands(
      R"(\\(angle|measuredangle|triangle|overline|frac|text|mathrm|textbf|operatorname)\b)");
  t = std::regex_replace(t, kSubscript, "");
  t = std::regex_replace(t, kCall, "$1");
  t = std::regex_replace(t, kNameCommands, "");
  bool letter = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '\\') {  // a Greek letter or other command name: a name
      std::size_t j = i + 1;
      while (j < t.size() && std::isalpha(static_cast<unsigned char>(t[j]))) ++j;
      if (j == i + 1) return false;
      letter = true;
      i = j - 1;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      letter = true;
      continue;
    }
    if (std::string_view("{}()[],:| ").find(c) == std::string_view::npos) return false;
  }
  return letter;
}

namespace {

// A constant (no variables) whose value equals `value`'s: "2+3" and "5".
bool ConstantEquals(const std::string& expr, const std::string& value) {
  auto a = LatexExpr::Parse(expr);
  if (!a || !a->variables().empty()) return false;
  auto b = LatexExpr::Parse(value);
  return b && b->variables().empty() && ValuesClose(a->Evaluate({}), b->Evaluate({}));
}

}  // namespace

std::vector<std::string> StatedValues(const std::string& s) {
  std::vector<std::string> approx = SplitTopLevel(s, "\\approx");
  if (approx.size() == 2 && !approx[0].empty() && !approx[1].empty()) {
    std::vector<std::string> values;
    for (const std::string& side : approx) {
      std::vector<std::string> inner = StatedValues(side);
      if (!inner.empty()) {
        values.insert(values.end(), inner.begin(), inner.end());
      } else if (!IsLabel(side)) {
        values.push_back(side);
      }
    }
    return values;
  }
  std::vector<std::string> sides = SplitTopLevel(s, "=");
  if (sides.size() < 2) return {};
  for (const std::string& side : sides) {
    if (side.empty()) return {};
  }
  const std::string& last = sides.back();
  if (sides.size() >= 3) return {last};
  if (IsLabel(sides[0])) return {last};
  if (ConstantEquals(sides[0], last)) return {last};
  return {};
}

}  // namespace relaygen
