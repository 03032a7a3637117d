#include "testbed/trace_analysis.h"

#include <regex>
#include <sstream>
#include <vector>

#include "util/error.h"

namespace relaygen {

namespace {

struct Step {
  char op;
  long amount;
};

// Model output may hold numbers of any length: those beyond 9 digits read as -1 (never a match).
long Num(const std::string& digits) { return digits.size() > 9 ? -1 : std::stol(digits); }

const std::regex& EquationRe() {
  static const std::regex re(R"((\d+) ([+-]) (\d+) = (\d+))");
  return re;
}

bool IsCheck(const std::string& sentence) {
  return sentence.find("check") != std::string::npos || sentence.find("verify") != std::string::npos;
}

std::vector<long> Numbers(const std::string& line) {
  static const std::regex re(R"(\d+)");
  std::vector<long> out;
  for (auto it = std::sregex_iterator(line.begin(), line.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back(Num(it->str()));
  }
  return out;
}

// Sentences: split after '.', '!', '?' and at newlines (numbers in the task have no '.').
std::vector<std::string> Sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
    if (c == '.' || c == '!' || c == '?') {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

const char* ToString(TraceError e) {
  switch (e) {
    case TraceError::kNone: return "none";
    case TraceError::kCopy: return "copy";
    case TraceError::kLookup: return "lookup";
    case TraceError::kCompute: return "compute";
    case TraceError::kStructure: return "structure";
    case TraceError::kFormat: return "format";
  }
  return "?";
}

TraceAnalysis AnalyzeTrace(const Problem& problem, const std::string& generated) {
  if (problem.response.empty()) throw Error("trace analysis: problem " + problem.id + " has no reference response");
  // The truth: the reference's start value and steps (its non-check equations).
  std::vector<Step> truth;
  long start = -1;
  for (const std::string& sentence : Sentences(problem.response)) {
    std::smatch m;
    if (IsCheck(sentence) || !std::regex_search(sentence, m, EquationRe())) continue;
    if (start < 0) start = std::stol(m[1]);
    truth.push_back({m[2].str()[0], std::stol(m[3])});
  }
  if (start < 0) throw Error("trace analysis: problem " + problem.id + " has no steps in its reference");

  TraceAnalysis a;
  auto fail = [&a](TraceError e) {
    if (a.first_error == TraceError::kNone) a.first_error = e;
  };
  // A number outside an equation either restates one the trace holds — the current value, the
  // one before the last step, the last step's amount ("Therefore, she has 32 now, 15 fewer than
  // the 47 before.") — or, in a sentence naming a change ("Next, she finds 26."), looks the
  // next change up in the problem.
  long cur = start, prev = -1, last_amount = -1;
  size_t step = 0;
  auto number = [&](long v, bool names_change) {
    const bool next = step < truth.size() && v == truth[step].amount;
    const bool known = v == cur || v == prev || v == last_amount;
    int& n = names_change ? a.lookups : a.copies;
    int& errors = names_change ? a.lookup_errors : a.copy_errors;
    ++n;
    if (names_change ? next : known || next) return;
    ++errors;
    // Announcing the change after the next one is a skipped step.
    fail(step + 1 < truth.size() && v == truth[step + 1].amount
             ? TraceError::kStructure
             : (names_change ? TraceError::kLookup : TraceError::kCopy));
  };
  const size_t end_think = generated.find("</think>");
  for (const std::string& sentence : Sentences(generated.substr(0, end_think))) {
    static const std::regex repair_eq(R"((\d+) ([+-]) (\d+) is (\d+), not \d+)");
    static const std::regex repair(R"((\d+)(?: \w+)?, not \d+)");
    std::smatch m;
    if (std::regex_search(sentence, m, EquationRe())) {
      const long x = Num(m[1]), y = Num(m[3]), r = Num(m[4]);
      const char op = m[2].str()[0];
      ++a.equations;
      if (x < 0 || y < 0 || r < 0 || (op == '+' ? x + y : x - y) != r) {
        ++a.compute_errors;
        fail(TraceError::kCompute);
      }
      if (IsCheck(sentence)) continue;  // a check's operands are not tracked
      ++a.copies;  // the first operand repeats the current value
      ++a.lookups;  // the operation and the second operand come from the problem
      if (x != cur) {
        ++a.copy_errors;
        fail(TraceError::kCopy);
      }
      if (step >= truth.size()) {
        fail(TraceError::kStructure);
      } else if (op != truth[step].op || y != truth[step].amount) {
        ++a.lookup_errors;
        const bool skipped = step + 1 < truth.size() && op == truth[step + 1].op && y == truth[step + 1].amount;
        const bool repeated = step > 0 && op == truth[step - 1].op && y == truth[step - 1].amount;
        fail(skipped || repeated ? TraceError::kStructure : TraceError::kLookup);
      }
      prev = cur;
      last_amount = y;
      cur = r;
      ++step;
    } else if (std::regex_search(sentence, m, repair_eq)) {
      // "Wait, 47 - 15 is 32, not 22.": a recomputation that replaces the current value.
      const long x = Num(m[1]), y = Num(m[3]), r = Num(m[4]);
      ++a.equations;
      if (x < 0 || y < 0 || r < 0 || (m[2].str()[0] == '+' ? x + y : x - y) != r) {
        ++a.compute_errors;
        fail(TraceError::kCompute);
      }
      cur = r;
    } else if (std::regex_search(sentence, m, repair)) {
      // "Wait, she has 32, not 23.": the value after "not" is the slip being repaired.
      number(Num(m[1]), false);
    } else {
      static const std::regex change(R"(\b(buys|finds|gets|wins|gives away|loses|sells|uses)\b)");
      const bool names_change = std::regex_search(sentence, change);
      for (long v : Numbers(sentence)) number(v, names_change);
    }
  }
  if (end_think == std::string::npos) {
    fail(TraceError::kFormat);
    return a;
  }
  if (step != truth.size()) fail(TraceError::kStructure);
  const std::string boxed = LastBoxed(generated.substr(end_think));
  if (boxed.empty()) {
    fail(TraceError::kFormat);
  } else {
    ++a.copies;
    if (boxed != std::to_string(cur)) {
      ++a.copy_errors;
      fail(TraceError::kCopy);
    }
  }
  return a;
}

void ErrorTally::Add(const TraceAnalysis& a, bool correct) {
  if (!correct) {
    ++wrong_;
    ++first_[static_cast<int>(a.first_error)];
  }
  equations_ += a.equations;
  compute_errors_ += a.compute_errors;
  copies_ += a.copies;
  copy_errors_ += a.copy_errors;
  lookups_ += a.lookups;
  lookup_errors_ += a.lookup_errors;
}

nlohmann::json ErrorTally::ToJson() const {
  nlohmann::json first;
  for (int e = 0; e < 6; ++e) first[ToString(static_cast<TraceError>(e))] = first_[e];
  return {{"wrong", wrong_},
          {"first_error_of_wrong_traces", first},
          {"equations", equations_},
          {"compute_accuracy", equations_ ? 1.0 - double(compute_errors_) / equations_ : 1.0},
          {"copies", copies_},
          {"copy_accuracy", copies_ ? 1.0 - double(copy_errors_) / copies_ : 1.0},
          {"lookups", lookups_},
          {"lookup_accuracy", lookups_ ? 1.0 - double(lookup_errors_) / lookups_ : 1.0}};
}

}  // namespace relaygen
