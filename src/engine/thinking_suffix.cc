#include "engine/thinking_suffix.h"

#include <vector>

namespace relaygen {
namespace {

// The quoted string literals in `source` from `from` on, with Jinja's escapes undone.
std::vector<std::string> Literals(const std::string& source, size_t from) {
  std::vector<std::string> out;
  for (size_t i = from; i < source.size(); ++i) {
    const char quote = source[i];
    if (quote != '\'' && quote != '"') continue;
    std::string text;
    size_t j = i + 1;
    for (; j < source.size() && source[j] != quote; ++j) {
      if (source[j] == '\\' && j + 1 < source.size()) {
        const char e = source[++j];
        text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        text += source[j];
      }
    }
    out.push_back(std::move(text));
    i = j;
  }
  return out;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ThinkingSuffix ReadThinkingSuffix(const std::string& chat_template) {
  ThinkingSuffix suffix;
  suffix.has_switch = chat_template.find("enable_thinking") != std::string::npos;
  const size_t gen = chat_template.rfind("add_generation_prompt");
  if (gen == std::string::npos) return suffix;
  const std::vector<std::string> literals = Literals(chat_template, gen);
  for (const std::string& l : literals) {
    if (EndsWith(l, "<think>\n")) suffix.on = "<think>\n";
  }
  suffix.off = suffix.on;
  for (const std::string& l : literals) {
    if (l.find("</think>") != std::string::npos) {
      // Qwen3 writes the whole empty block in one literal; R1-Distill adds "</think>" to the
      // "<think>\n" it already opened.
      suffix.off = l.find("<think>") != std::string::npos ? l : suffix.on + l;
      break;
    }
  }
  return suffix;
}

}  // namespace relaygen
