// The testbed's synthetic task (v2): multi-step arithmetic word problems ("Mia has 47 marbles.
// Then she gives away 15 marbles. ...") with reference traces written the way a reasoning model
// writes them, in Qwen3's chat format: paragraphs separated by "\n\n", discourse cues, checks.
//
// Each step is one paragraph: a hard sentence the large model must get right, which finds the next
// change in the problem and computes it ("Then she gives away 15, so 47 - 15 = 32."), followed by a routine sentence a small model writes by copying numbers of the sentence
// just written ("Therefore, she has 32 now, 15 fewer than the 47 before."). Cues are
// placed the way RelayGen needs them told apart: `Therefore,` `Thus,` `Now` open only routine
// sentences; `Hmm,` `so ` `Then` `Next,` only computations; `So ` opens both ("So now she has ..."
// and ". So 47 - 15 = 32.": the cue a region-mean rule is fooled by). Training traces also carry
// occasional slips with their repair ("Wait, she has 32, not 23."); the slip's digits are
// excluded from the loss, so a model learns to repair a wrong number in its context without
// learning to write one.
#ifndef RELAYGEN_TESTBED_TASK_H_
#define RELAYGEN_TESTBED_TASK_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace relaygen {

// The user-turn suffix of every math prompt (the paper's evaluation protocol).
extern const char kMathPromptSuffix[];

// Difficulty knobs.
struct TaskOptions {
  int min_steps = 3;      // operations per problem
  int max_steps = 4;
  int start_digits = 2;   // the starting quantity and every intermediate value has at most this many digits
  int amount_digits = 2;  // each added/removed amount has exactly this many digits (<= start_digits)
  // Probabilities of the optional sentences of a trace.
  double p_check = 0.15;   // a check paragraph after a step: "Wait, let me double-check: 32 + 15 = 47. ..."
  // Training split only: per step, the chance of a slip followed by its repair.
  double p_slip_compute = 0.10;  // "47 - 15 = 22. Wait, 47 - 15 is 32, not 22."
  double p_slip_restate = 0.10;  // "Thus, she has 23 ..." then "Wait, she has 32, not 23."

  void Validate() const;  // throws relaygen::Error on an impossible setting
};

struct Problem {
  std::string id;        // "<split>-<index>"
  std::string problem;   // the word problem
  std::string response;  // the reference assistant turn: "<think>\n...\n</think>\n\nThe answer is \boxed{N}."
  int answer = 0;
  // Byte ranges [first, second) of `response` not to train on: the digits of injected slips.
  std::vector<std::pair<size_t, size_t>> no_loss;

  // The user turn: problem + kMathPromptSuffix.
  std::string UserMessage() const;
};

struct TaskSplits {
  std::vector<Problem> train;
  std::vector<Problem> calibration;
  std::vector<Problem> test;
};

// Deterministic in (seed, sizes, options). Calibration and test problems are drawn first and no
// problem text appears in two splits. Only the training split has slips.
TaskSplits MakeTaskSplits(uint64_t seed, int n_train, int n_calibration, int n_test, const TaskOptions& options);

// Chat-format text of a problem as the models see it (Qwen3 chat template, thinking enabled):
// "<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n".
std::string ChatPrompt(const std::string& user_message);

// JSON lines: one object per problem {"id", "problem", "prompt" (the user turn), "answer", "response",
// and "no_loss" when there are slips}.
void WriteProblems(const std::string& path, const std::vector<Problem>& problems);
std::vector<Problem> ReadProblems(const std::string& path);  // throws relaygen::Error on bad input

// The content of the last \boxed{...} in `text`, or "" when there is none.
std::string LastBoxed(const std::string& text);

// A slip injected into a reference trace, to measure how a model recovers from one in its context
// (`relaygen testbed eval --inject-slip`): the reference response up to and including the
// sentence of the `index`-th step's result, with that result replaced by a wrong value.
enum class SlipKind {
  kCompute,  // the step's equation result: "47 - 15 = 22."
  kRestate,  // the restatement after it: "Therefore, Mia has 22 marbles now, 15 fewer than ..."
};
struct InjectedSlip {
  std::string prefix;  // assistant-turn text to continue from
  int wrong = 0;       // the value written instead of the right one
  int right = 0;
};
// Throws relaygen::Error when the response has no such step. `salt` picks the wrong value.
InjectedSlip InjectSlip(const Problem& problem, SlipKind kind, int index, uint64_t salt);
// Steps (non-check equations) in a reference response.
int CountSteps(const std::string& response);

// The routine sentences of a reference response — what a relay hands the small model: byte
// ranges [first, second) from right after a restating cue (`Therefore,` `Thus,` `So now` `Now`)
// through the sentence's full stop.
std::vector<std::pair<size_t, size_t>> RestatementSpans(const std::string& response);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_TASK_H_
