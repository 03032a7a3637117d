#include "testbed/task.h"

#include <fstream>
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

std::string Capital(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

template <typename T, size_t N>
const T& Pick(Rng& rng, const T (&items)[N]) {
  return items[rng.Next() % N];
}

Problem MakeProblem(Rng& rng, const TaskOptions& opt) {
  const Person& p = Pick(rng, kPeople);
  const std::string obj = Pick(rng, kObjects);
  const std::string name = p.name, he = p.subject;
  int max_value = 1;
  for (int i = 0; i < opt.start_digits; ++i) max_value *= 10;
  --max_value;
  int amount_lo = 1;
  for (int i = 1; i < opt.amount_digits; ++i) amount_lo *= 10;
  const int amount_hi = amount_lo * 10 - 1;

  const int start = rng.Int(max_value / 10 + 1, max_value);  // as many digits as allowed
  const int n_steps = rng.Int(opt.min_steps, opt.max_steps);
  std::string problem = name + " has " + std::to_string(start) + " " + obj + ".";
  std::string t = "<think>\n";
  const char* const kOpen[] = {"Okay, let me figure out how many {o} {n} has at the end.",
                               "Okay, so {n} starts with some {o} and the number changes a few times.",
                               "Hmm, let me work through this step by step.",
                               "Okay, let me go through the changes one at a time."};
  const char* const kFirst[] = {"First, {n} starts with {v} {o}.", "First, {n} has {v} {o} at the start.",
                                "{n} starts with {v} {o}."};
  t += Fill(Fill(Pick(rng, kOpen), "{o}", obj), "{n}", name) + "\n";
  t += Fill(Fill(Fill(Pick(rng, kFirst), "{o}", obj), "{n}", name), "{v}", std::to_string(start)) + "\n";

  int value = start;
  for (int step = 0; step < n_steps; ++step) {
    bool add = rng.Chance(0.5);
    if (value < amount_lo) add = true;
    if (value + amount_lo > max_value) add = false;
    const int hi = add ? std::min(amount_hi, max_value - value) : std::min(amount_hi, value);
    const int a = rng.Int(amount_lo, hi);
    const Verb& verb = add ? Pick(rng, kAdd) : Pick(rng, kSub);
    const int next = add ? value + a : value - a;
    const std::string as = std::to_string(a), vs = std::to_string(value), ns = std::to_string(next);
    const char* const kLead[] = {"Then", "Next,", "After that,", "Now"};
    problem += " " + std::string(step == 0 ? "Then" : Pick(rng, kLead)) + " " + he + " " +
               Fill(Fill(verb.problem, "{a}", as), "{o}", obj) + ".";

    // The step: copy the amount from the problem, then compute (the hard part).
    const char* const kStepCue[] = {"Then", "Next,", "Now", "After that,"};
    const std::string cue = step == 0 ? "Then" : Pick(rng, kStepCue);
    const std::string op = add ? " + " : " - ";
    const std::string calc = vs + op + as + " = " + ns;
    const std::string action = Fill(verb.trace, "{a}", as);
    switch (rng.Int(0, 2)) {
      case 0:
        t += cue + " " + he + " " + action + ", so " + calc + ".\n";
        break;
      case 1:
        t += cue + " " + he + " " + action + ", so I " + (add ? "add" : "subtract") + " " + as + ": " + calc + ".\n";
        break;
      default:
        t += cue + " " + he + " " + action + ". That gives " + calc + ".\n";
        break;
    }
    // Optional restatement (easy: copies the number just computed).
    if (rng.Chance(opt.p_restate)) {
      const char* const kRestate[] = {"So {n} has {v} {o} now.", "So now {h} has {v} {o}.",
                                      "Thus {n} has {v} {o} at this point.", "So far that is {v} {o}."};
      t += Capital(Fill(Fill(Fill(Fill(Pick(rng, kRestate), "{n}", name), "{h}", he), "{v}", ns), "{o}", obj)) + "\n";
    }
    // Optional self-check: the inverse operation; its result is the previous value.
    if (rng.Chance(opt.p_check)) {
      const char* const kCheck[] = {"Wait, let me check: ", "Hmm, let me double-check: ", "Wait, let me verify: "};
      t += std::string(Pick(rng, kCheck)) + ns + (add ? " - " : " + ") + as + " = " + vs + ". Yes, that is right.\n";
    }
    value = next;
  }
  problem += " How many " + obj + " does " + name + " have now?";

  const std::string fs = std::to_string(value);
  const char* const kClose[] = {"Therefore, {n} has {v} {o} in the end.", "So the final count is {v}.",
                                "Thus, the answer is {v}.", "Therefore, the answer is {v}.",
                                "So {n} ends up with {v} {o}."};
  t += Fill(Fill(Fill(Pick(rng, kClose), "{n}", name), "{v}", fs), "{o}", obj);
  t += "\n</think>\n\nThe answer is \\boxed{" + fs + "}.";

  Problem out;
  out.problem = problem;
  out.response = t;
  out.answer = value;
  return out;
}

}  // namespace

void TaskOptions::Validate() const {
  if (min_steps < 1 || max_steps < min_steps || max_steps > 20) throw Error("task: need 1 <= min_steps <= max_steps <= 20");
  if (amount_digits < 1 || start_digits < amount_digits || start_digits > 6) {
    throw Error("task: need 1 <= amount_digits <= start_digits <= 6");
  }
  if (p_restate < 0 || p_restate > 1 || p_check < 0 || p_check > 1) throw Error("task: probabilities must be in [0, 1]");
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
      Problem p = MakeProblem(rng, options);
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

}  // namespace relaygen
