// The testbed's synthetic task: multi-step arithmetic word problems ("Mia has 347 marbles. She
// gives away 85 marbles. ...") with reference traces written the way a reasoning model writes
// them, in Qwen3's chat format.
//
// The traces mix two kinds of text on purpose, because RelayGen's calibration has to tell them
// apart: restatements that copy a number just computed or given in the problem ("So Mia has 262
// marbles now.", "Therefore, the answer is 330.") are easy, new computations ("262 + 126 = 388")
// are hard. Discourse cues (Okay, First, Then, Next, Now, So, Thus, Therefore, Hmm, Wait,
// Alternatively) introduce both kinds, with different frequencies per cue.
#ifndef RELAYGEN_TESTBED_TASK_H_
#define RELAYGEN_TESTBED_TASK_H_

#include <cstdint>
#include <string>
#include <vector>

namespace relaygen {

// The user-turn suffix of every math prompt (the paper's evaluation protocol).
extern const char kMathPromptSuffix[];

// Difficulty knobs.
struct TaskOptions {
  int min_steps = 4;      // operations per problem
  int max_steps = 6;
  int start_digits = 2;   // the starting quantity and every intermediate value has at most this many digits
  int amount_digits = 2;  // each added/removed amount has exactly this many digits (<= start_digits)
  // Probabilities of the optional sentences of a trace.
  double p_restate = 0.5;  // "So Mia has 262 marbles now." after a step
  double p_check = 0.15;   // "Wait, let me check: 262 + 85 = 347. Yes, that is right."

  void Validate() const;  // throws relaygen::Error on an impossible setting
};

struct Problem {
  std::string id;        // "<split>-<index>"
  std::string problem;   // the word problem
  std::string response;  // the reference assistant turn: "<think>\n...\n</think>\n\nThe answer is \boxed{N}."
  int answer = 0;

  // The user turn: problem + kMathPromptSuffix.
  std::string UserMessage() const;
};

struct TaskSplits {
  std::vector<Problem> train;
  std::vector<Problem> calibration;
  std::vector<Problem> test;
};

// Deterministic in (seed, sizes, options). Calibration and test problems are drawn first and no
// problem text appears in two splits.
TaskSplits MakeTaskSplits(uint64_t seed, int n_train, int n_calibration, int n_test, const TaskOptions& options);

// Chat-format text of a problem as the models see it (Qwen3 chat template, thinking enabled):
// "<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n".
std::string ChatPrompt(const std::string& user_message);

// JSON lines: one object per problem {"id", "problem", "prompt" (the user turn), "answer", "response"}.
void WriteProblems(const std::string& path, const std::vector<Problem>& problems);
std::vector<Problem> ReadProblems(const std::string& path);  // throws relaygen::Error on bad input

// The content of the last \boxed{...} in `text`, or "" when there is none.
std::string LastBoxed(const std::string& text);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_TASK_H_
