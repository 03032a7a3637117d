#include "eval/answer_extract.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <vector>

#include "eval/text_util.h"

namespace relaygen {

namespace {

struct Box {
  std::size_t begin = 0;  // offset of the backslash
  std::size_t end = 0;    // offset just past the box
  std::string content;
};

// The box content starting right after the command at `after`, or nullopt if malformed.
std::optional<Box> BoxAt(std::string_view text, std::size_t begin, std::size_t after) {
  std::size_t i = after;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i < text.size() && text[i] == '{') {
    int depth = 0;
    for (std::size_t j = i; j < text.size(); ++j) {
      char c = text[j];
      if (c == '\\' && j + 1 < text.size() && (text[j + 1] == '{' || text[j + 1] == '}')) {
        ++j;  // an escaped brace is content, not structure
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}' && --depth == 0) return Box{begin, j + 1, Trim(text.substr(i + 1, j - i - 1))};
    }
    return std::nullopt;  // cut off before the closing brace
  }
  if (i == after) return std::nullopt;  // "\boxedx": not the command
  std::size_t end = text.find_first_of("$\n", i);
  if (end == std::string_view::npos) end = text.size();
  std::string content = Trim(text.substr(i, end - i));
  while (!content.empty() && content.back() == '.') content.pop_back();
  return Box{begin, end, content};
}

// Every complete, non-empty box, in text order.
std::vector<Box> AllBoxes(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> starts;  // (backslash, just past the command)
  for (std::string_view command : {std::string_view("\\boxed"), std::string_view("\\fbox")}) {
    for (std::size_t pos = text.find(command); pos != std::string_view::npos;
         pos = text.find(command, pos + 1)) {
      std::size_t after = pos + command.size();
      if (after < text.size() && std::isalpha(static_cast<unsigned char>(text[after]))) continue;
      starts.emplace_back(pos, after);
    }
  }
  std::sort(starts.begin(), starts.end());
  std::vector<Box> boxes;
  for (const auto& [begin, after] : starts) {
    auto box = BoxAt(text, begin, after);
    if (box && !box->content.empty()) boxes.push_back(std::move(*box));
  }
  return boxes;
}

// True if the text between two boxes only joins them into one answer: "$ and $", ", ",
// "\quad\text{and}\quad", a line break, "$, $b = ".
bool JoinsBoxes(std::string_view gap) {
  if (gap.size() > 60) return false;
  static const std::regex kJoin(
      R"(^(\s|\$|,|;|&|\\\\|\\[,;:! ]|\\quad|\\qquad|\\text\{\s*(and|or|,)?\s*\}|\band\b|\bor\b|\\\(|\\\)|([A-Za-z](_\{?\w+\}?)?|\\[a-zA-Z]+)\s*=)*$)");
  std::string g(gap);
  if (g.find("\n\n") != std::string::npos) return false;
  return std::regex_match(g, kJoin);
}

// The sentence starting at the beginning of `s`: up to ". X" / "! " / "? " or the line end; '.' in
// a decimal ("4.5") does not end it. '$' and '*' (markdown bold) are dropped, and a leading ':'.
std::string FirstSentence(std::string_view s) {
  std::size_t end = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      end = i;
      break;
    }
    if ((s[i] == '.' || s[i] == '!' || s[i] == '?') &&
        (i + 1 == s.size() || std::isspace(static_cast<unsigned char>(s[i + 1])))) {
      end = i;
      break;
    }
  }
  std::string out;
  for (char c : s.substr(0, end)) {
    if (c != '$' && c != '*') out += c;
  }
  out = Trim(out);
  if (!out.empty() && out[0] == ':') out = Trim(out.substr(1));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return Trim(out);
}

// The answer stated after the last answer phrase in `text`, or nullopt. Markers are matched case
// insensitively; a "Final Answer" heading alone on its line takes the next non-empty line.
std::optional<std::string> AnswerPhrase(std::string_view text) {
  std::string lower = Lower(std::string(text));
  std::size_t best = std::string::npos, best_end = 0;
  for (const char* marker : {"answer is", "answer:", "####", "final answer"}) {
    std::size_t pos = lower.rfind(marker);
    if (pos != std::string::npos && (best == std::string::npos || pos > best)) {
      best = pos;
      best_end = pos + std::string(marker).size();
    }
  }
  if (best == std::string::npos) return std::nullopt;
  std::string_view rest = text.substr(best_end);
  std::string sentence = FirstSentence(rest);
  // A heading alone on its line ("**Final Answer**\n$8$", "Answer:\n7"): the next lines.
  for (int line = 0; sentence.empty() && line < 3; ++line) {
    std::size_t next = rest.find('\n');
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
    sentence = FirstSentence(rest);
  }
  if (sentence.empty()) return std::nullopt;
  return sentence;
}

// The last sentence's value: what follows its last " is " / " are ", or its last $...$ span
// ("Therefore, $x = 20$."). A closing "I hope it is correct." is not a statement of the answer.
std::optional<std::string> LastSentenceValue(std::string_view text) {
  std::string t = Trim(text);
  for (const char* closing : {"I hope it is correct.", "I hope it is correct"}) {
    std::string c = closing;
    if (t.size() >= c.size() && t.compare(t.size() - c.size(), c.size(), c) == 0) {
      t = Trim(t.substr(0, t.size() - c.size()));
    }
  }
  while (!t.empty() && (t.back() == '.' || t.back() == '!')) t.pop_back();
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] == '\n' || ((t[i] == '.' || t[i] == '!' || t[i] == '?') && std::isspace(static_cast<unsigned char>(t[i + 1])))) {
      start = i + 1;
    }
  }
  std::string sentence = Trim(t.substr(start));
  for (const char* verb : {" is ", " are ", " equals "}) {
    std::size_t pos = sentence.rfind(verb);
    if (pos != std::string::npos) {
      std::string value = FirstSentence(sentence.substr(pos + std::string(verb).size()));
      if (!value.empty()) return value;
    }
  }
  std::size_t close = sentence.rfind('$');
  if (close != std::string::npos && close > 0) {
    std::size_t open = sentence.rfind('$', close - 1);
    if (open != std::string::npos) {
      std::string value = Trim(sentence.substr(open + 1, close - open - 1));
      if (!value.empty()) return value;
    }
  }
  return std::nullopt;
}

bool MathLike(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '\\'; });
}

}  // namespace

std::optional<std::string> FindLastBoxed(std::string_view text) {
  std::vector<Box> boxes = AllBoxes(text);
  if (boxes.empty()) return std::nullopt;
  return boxes.back().content;
}

std::optional<std::string> ExtractAnswer(std::string_view text) {
  std::vector<Box> boxes = AllBoxes(text);
  if (!boxes.empty()) {
    // A later answer phrase replaces an earlier (intermediate) box.
    auto phrase = AnswerPhrase(text.substr(boxes.back().end));
    if (phrase && MathLike(*phrase)) return phrase;
    std::size_t first = boxes.size() - 1;
    while (first > 0 && JoinsBoxes(text.substr(boxes[first - 1].end, boxes[first].begin - boxes[first - 1].end))) {
      --first;
    }
    std::vector<std::string> parts;
    for (std::size_t i = first; i < boxes.size(); ++i) {
      if (std::find(parts.begin(), parts.end(), boxes[i].content) == parts.end()) {
        parts.push_back(boxes[i].content);
      }
    }
    std::string joined;
    for (const std::string& p : parts) joined += (joined.empty() ? "" : ", ") + p;
    return joined;
  }
  if (auto phrase = AnswerPhrase(text)) return phrase;
  return LastSentenceValue(text);
}

}  // namespace relaygen
