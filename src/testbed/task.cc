#include "testbed/task.h"

#include <cctype>
#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "testbed/rng.h"
#include "util/error.h"

namespace relaygen {

const char kMathPromptSuffix[] = "Please reason step by step, and put your final answer within \\boxed{}.";

namespace {

struct Person {
  const char* name;
  const char* subject;  // he / she
  const char* object;   // him / her
};
const Person kPeople[] = {
    {"Mia", "she", "her"},  {"Noah", "he", "him"}, {"Lena", "she", "her"}, {"Omar", "he", "him"},
    {"Ava", "she", "her"},  {"Liam", "he", "him"}, {"Zoe", "she", "her"},  {"Ben", "he", "him"},
    {"Iris", "she", "her"}, {"Hugo", "he", "him"}, {"Nora", "she", "her"}, {"Eli", "he", "him"},
    {"Ruby", "she", "her"}, {"Theo", "he", "him"}, {"Sara", "she", "her"}, {"Max", "he", "him"},
    {"Ella", "she", "her"}, {"Leo", "he", "him"},  {"Ivy", "she", "her"},  {"Sam", "he", "him"},
};
const char* const kObjects[] = {"marbles", "apples", "coins",  "stickers", "books",   "shells",
                                "cards",   "beads",  "pencils", "stamps",  "cookies", "tickets"};
// Problem phrasings of an operation ({a} is the amount, {o} the object) and the trace's past form.
struct Verb {
  const char* problem;  // "buys {a} more {o}"
  const char* trace;    // "buys {a} more"
};
const Verb kAdd[] = {{"buys {a} more {o}", "buys {a} more"},
                     {"finds {a} {o}", "finds {a}"},
                     {"gets {a} more {o} from a friend", "gets {a} more"},
                     {"wins {a} {o}", "wins {a}"}};
const Verb kSub[] = {{"gives away {a} {o}", "gives away {a}"},
                     {"loses {a} {o}", "loses {a}"},
                     {"sells {a} {o}", "sells {a}"},
                     {"uses {a} {o}", "uses {a}"}};

std::string Fill(std::string s, const std::string& key, const std::string& value) {
  for (size_t at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size())) {
    s.replace(at, key.size(), value);
  }
  return s;
}

template <typename T, size_t N>
const T& Pick(Rng& rng, const T (&items)[N]) {
  return items[rng.Next() % N];
}

// A trace under construction: its text and the byte ranges not to train on.
struct TraceWriter {
  std::string text;
  std::vector<std::pair<size_t, size_t>> no_loss;

  void Add(const std::string& s) { text += s; }
  // Appends `tmpl` with "{v}" replaced by `value`; when `slip`, those bytes are not trained on.
  void AddWithValue(const std::string& tmpl, const std::string& value, bool slip) {
    const size_t at = tmpl.find("{v}");
    text += tmpl.substr(0, at);
    if (slip) no_loss.emplace_back(text.size(), text.size() + value.size());
    text += value;
    text += tmpl.substr(at + 3);
  }
};

// A plausible wrong value for `right` in [0, max_value]: digits swapped, off by one or ten, or any.
int WrongValue(Rng& rng, int right, int max_value) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    int w = right;
    switch (rng.Int(0, 3)) {
      case 0: w = right >= 10 ? (right % 10) * 10 + right / 10 : right + 10; break;
      case 1: w = right + (rng.Chance(0.5) ? 1 : -1); break;
      case 2: w = right + (rng.Chance(0.5) ? 10 : -10); break;
      default: w = rng.Int(0, max_value); break;
    }
    if (w != right && w >= 0 && w <= max_value) return w;
  }
  return right == 0 ? 1 : right - 1;
}

Problem MakeProblem(Rng& rng, const TaskOptions& opt, bool slips) {
  const Person& p = Pick(rng, kPeople);
  const std::string obj = Pick(rng, kObjects);
  const std::string name = p.name, he = p.subject;
  int max_value = 1;
  for (int i = 0; i < opt.start_digits; ++i) max_value *= 10;
  --max_value;
  int amount_lo = 1;
  for (int i = 1; i < opt.amount_digits; ++i) amount_lo *= 10;
  const int amount_hi = amount_lo * 10 - 1;

  // The problem: a start value and n_steps changes.
  struct Change {
    bool add;
    int amount;
    const Verb* verb;
  };
  const int start = rng.Int(max_value / 10 + 1, max_value);  // as many digits as allowed
  const int n_steps = rng.Int(opt.min_steps, opt.max_steps);
  std::vector<Change> changes;
  std::string problem = name + " has " + std::to_string(start) + " " + obj + ".";
  int value = start;
  for (int step = 0; step < n_steps; ++step) {
    bool add = rng.Chance(0.5);
    if (value < amount_lo) add = true;
    if (value + amount_lo > max_value) add = false;
    const int hi = add ? std::min(amount_hi, max_value - value) : std::min(amount_hi, value);
    const Change c{add, rng.Int(amount_lo, hi), add ? &Pick(rng, kAdd) : &Pick(rng, kSub)};
    const char* const kLead[] = {"Then", "Next,", "After that,", "Now"};
    problem += " " + std::string(step == 0 ? "Then" : Pick(rng, kLead)) + " " + he + " " +
               Fill(Fill(c.verb->problem, "{a}", std::to_string(c.amount)), "{o}", obj) + ".";
    changes.push_back(c);
    value += add ? c.amount : -c.amount;
  }
  problem += " How many " + obj + " does " + name + " have now?";

  auto act = [&](const Change& c) { return Fill(c.verb->trace, "{a}", std::to_string(c.amount)); };
  auto names = [&](std::string s) { return Fill(Fill(Fill(s, "{n}", name), "{h}", he), "{o}", obj); };

  // The trace. Paragraph 1: the plan and the start value.
  TraceWriter t;
  const char* const kOpen[] = {"Okay, let me go through the changes.", "Okay, step by step.",
                               "Hmm, let me work through this."};
  const char* const kStart[] = {"{n} starts with {v} {o}.", "First, {n} has {v} {o}."};
  t.Add("<think>\n" + names(Pick(rng, kOpen)) + " " + Fill(names(Pick(rng, kStart)), "{v}", std::to_string(start)));

  value = start;
  for (int step = 0; step < n_steps; ++step) {
    const Change& c = changes[step];
    const int next = c.add ? value + c.amount : value - c.amount;
    const std::string as = std::to_string(c.amount), vs = std::to_string(value), ns = std::to_string(next);
    const std::string op = c.add ? " + " : " - ";
    // The hard sentence, for the large model: find the next change in the problem and compute it.
    // Its cues (`So `, `so `, `Hmm,`, `Then`, `Next,`) are ones calibration must learn to reject.
    const char* const kLead[] = {"Then", "Next,", "After that,"};
    const char* const kJoin[] = {". That gives {v}.", ", so {v}.", ". Hmm, {v}.", ". So {v}."};
    const std::string hard = std::string(Pick(rng, kLead)) + " " + he + " " + act(c) + Pick(rng, kJoin);
    t.Add("\n\n");
    if (slips && rng.Chance(opt.p_slip_compute)) {
      const int wrong = WrongValue(rng, next, max_value);
      t.AddWithValue(Fill(hard, "{v}", vs + op + as + " = {v}"), std::to_string(wrong), true);
      t.Add(" Wait, " + vs + op + as + " is " + ns + ", not " + std::to_string(wrong) + ".");
    } else {
      t.Add(Fill(hard, "{v}", vs + op + as + " = " + ns));
    }
    // The routine sentence, for the small model: restate the result, copying only words of the
    // sentence just written (its pronoun, its numbers, its operator; no name or object noun from
    // the far end of the problem). Each cue is followed by one fixed wording, so after it only
    // the copied words are uncertain.
    const std::string more = c.add ? "more" : "fewer", plus = c.add ? "plus" : "minus";
    const std::string kRestate[] = {"Therefore, {h} has {v} now, " + as + " " + more + " than the " + vs + " before.",
                                    "Thus, {h} has {v} at this point, which is " + vs + " " + plus + " " + as + ".",
                                    "So now {h} has {v}, " + as + " " + more + " than the " + vs + " {h} had.",
                                    "Now {h} has {v} in total, after " + vs + " " + plus + " " + as + "."};
    const int wrong_value = slips && rng.Chance(opt.p_slip_restate) ? WrongValue(rng, next, max_value) : next;
    t.Add(" ");
    t.AddWithValue(names(kRestate[rng.Int(0, 3)]), std::to_string(wrong_value), wrong_value != next);
    if (wrong_value != next) t.Add("\n\n" + names("Wait, {h} has ") + ns + ", not " + std::to_string(wrong_value) + ".");
    // A check: the inverse operation, whose result is the previous value.
    if (rng.Chance(opt.p_check)) {
      const char* const kCheck[] = {"Wait, let me double-check: ", "Hmm, let me verify: ", "Let me check this step: "};
      t.Add("\n\n" + std::string(Pick(rng, kCheck)) + ns + (c.add ? " - " : " + ") + as + " = " + vs +
            ". Yes, that is right.");
    }
    value = next;
  }
  const std::string fs = std::to_string(value);
  const char* const kClose[] = {"So the answer is {v}.", "So the final count is {v}."};
  t.Add("\n\n" + Fill(Pick(rng, kClose), "{v}", fs));
  t.Add("\n</think>\n\nThe answer is \\boxed{" + fs + "}.");

  Problem out;
  out.problem = problem;
  out.response = std::move(t.text);
  out.no_loss = std::move(t.no_loss);
  out.answer = value;
  return out;
}

// The non-check equations "a op b = r" of a reference response, in order, with r's offset.
struct StepEquation {
  size_t result_pos;
  std::string result;
};
std::vector<StepEquation> StepEquations(const std::string& response) {
  static const std::regex eq(R"((\d+) ([+-]) (\d+) = (\d+))");
  std::vector<StepEquation> out;
  for (auto it = std::sregex_iterator(response.begin(), response.end(), eq); it != std::sregex_iterator(); ++it) {
    const size_t pos = static_cast<size_t>(it->position(0));
    const size_t line = response.rfind('\n', pos);
    const std::string sentence = response.substr(line == std::string::npos ? 0 : line, pos - (line == std::string::npos ? 0 : line));
    if (sentence.find("check") != std::string::npos || sentence.find("verify") != std::string::npos) continue;
    out.push_back({static_cast<size_t>(it->position(4)), (*it)[4].str()});
  }
  return out;
}

}  // namespace

void TaskOptions::Validate() const {
  if (min_steps < 1 || max_steps < min_steps || max_steps > 20) throw Error("task: need 1 <= min_steps <= max_steps <= 20");
  if (amount_digits < 1 || start_digits < amount_digits || start_digits > 6) {
    throw Error("task: need 1 <= amount_digits <= start_digits <= 6");
  }
  for (double p : {p_check, p_slip_compute, p_slip_restate}) {
    if (p < 0 || p > 1) throw Error("task: probabilities must be in [0, 1]");
  }
}

std::string Problem::UserMessage() const { return problem + " " + kMathPromptSuffix; }

TaskSplits MakeTaskSplits(uint64_t seed, int n_train, int n_calibration, int n_test, const TaskOptions& options) {
  options.Validate();
  if (n_train < 0 || n_calibration < 0 || n_test < 0) throw Error("task: split sizes must not be negative");
  Rng rng(seed);
  std::set<std::string> seen;
  TaskSplits splits;
  // Held-out splits first, so their problems do not depend on the size of the training set.
  auto fill = [&](std::vector<Problem>* split, int n, const std::string& name) {
    int attempts = 0;
    while (static_cast<int>(split->size()) < n) {
      if (++attempts > 20 * n + 1000) throw Error("task: cannot draw enough distinct problems; raise the difficulty knobs");
      Problem p = MakeProblem(rng, options, /*slips=*/name == "train");
      if (!seen.insert(p.problem).second) continue;
      p.id = name + "-" + std::to_string(split->size());
      split->push_back(std::move(p));
    }
  };
  fill(&splits.calibration, n_calibration, "calibration");
  fill(&splits.test, n_test, "test");
  fill(&splits.train, n_train, "train");
  return splits;
}

std::string ChatPrompt(const std::string& user_message) {
  return "<|im_start|>user\n" + user_message + "<|im_end|>\n<|im_start|>assistant\n";
}

void WriteProblems(const std::string& path, const std::vector<Problem>& problems) {
  std::ofstream out(path + ".tmp");
  if (!out) throw Error("cannot write " + path);
  for (const Problem& p : problems) {
    nlohmann::json j = {{"id", p.id}, {"problem", p.problem}, {"prompt", p.UserMessage()},
                        {"answer", std::to_string(p.answer)}, {"response", p.response}};
    if (!p.no_loss.empty()) j["no_loss"] = p.no_loss;
    out << j.dump() << "\n";
  }
  out.close();
  if (!out || std::rename((path + ".tmp").c_str(), path.c_str()) != 0) throw Error("cannot write " + path);
}

std::vector<Problem> ReadProblems(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open problem file " + path);
  std::vector<Problem> problems;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      Problem p;
      p.id = j.at("id").get<std::string>();
      p.problem = j.at("problem").get<std::string>();
      p.answer = std::stoi(j.at("answer").get<std::string>());
      p.response = j.value("response", "");
      if (j.contains("no_loss")) p.no_loss = j.at("no_loss").get<std::vector<std::pair<size_t, size_t>>>();
      for (const auto& [b, e] : p.no_loss) {
        if (b >= e || e > p.response.size()) throw Error("no_loss range outside the response");
      }
      problems.push_back(std::move(p));
    } catch (const std::exception& e) {
      throw Error(path + ":" + std::to_string(line_no) + ": not a testbed problem (" + e.what() + ")");
    }
  }
  return problems;
}

std::string LastBoxed(const std::string& text) {
  const size_t at = text.rfind("\\boxed{");
  if (at == std::string::npos) return "";
  const size_t begin = at + 7;
  const size_t end = text.find('}', begin);
  if (end == std::string::npos) return "";
  return text.substr(begin, end - begin);
}

int CountSteps(const std::string& response) { return static_cast<int>(StepEquations(response).size()); }

std::vector<std::pair<size_t, size_t>> RestatementSpans(const std::string& response) {
  static const std::regex re(R"((?:Therefore,|Thus,|So now|Now)( [^.\n]* has [^.\n]*\.))");
  std::vector<std::pair<size_t, size_t>> out;
  for (auto it = std::sregex_iterator(response.begin(), response.end(), re); it != std::sregex_iterator(); ++it) {
    const size_t at = static_cast<size_t>(it->position(1));
    out.emplace_back(at, at + static_cast<size_t>(it->length(1)));
  }
  return out;
}

InjectedSlip InjectSlip(const Problem& problem, SlipKind kind, int index, uint64_t salt) {
  const std::vector<StepEquation> steps = StepEquations(problem.response);
  if (index < 0 || index >= static_cast<int>(steps.size())) {
    throw Error("slip: problem " + problem.id + " has no step " + std::to_string(index));
  }
  const StepEquation& s = steps[index];
  Rng rng(salt);
  InjectedSlip out;
  out.right = std::stoi(s.result);
  out.wrong = WrongValue(rng, out.right, 99);
  const std::string& r = problem.response;
  size_t at = s.result_pos;
  if (kind == SlipKind::kRestate) {
    // The restatement: " has " and the result, not followed by a digit.
    for (at = r.find(" has " + s.result, s.result_pos); at != std::string::npos; at = r.find(" has " + s.result, at + 1)) {
      const size_t after = at + 5 + s.result.size();
      if (after < r.size() && !std::isdigit(static_cast<unsigned char>(r[after]))) break;
    }
    if (at == std::string::npos) throw Error("slip: problem " + problem.id + " restates no result after step " + std::to_string(index));
    at += 5;
  }
  const size_t dot = r.find('.', at);
  if (dot == std::string::npos) throw Error("slip: unterminated sentence in problem " + problem.id);
  out.prefix = r.substr(0, at) + std::to_string(out.wrong) + r.substr(at + s.result.size(), dot + 1 - at - s.result.size());
  return out;
}

}  // namespace relaygen
