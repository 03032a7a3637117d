// Evaluation datasets as one uniform list of problems, with the user message already built.
//
// Built-in names read the copies under the data directory (see /work/shared/datasets/SOURCES.md):
//   aime25        aime25/aime_2025.jsonl        (MathArena text, the file RelayGen's HF load reads)
//   aime24        aime24/test.jsonl             (ids 60..89, as HuggingFaceH4/aime_2024)
//   math500       math500/test.jsonl            (has reference solutions)
//   amc23         amc23/test.jsonl              (the calibration set of the paper)
//   gpqa_diamond  gpqa_diamond/gpqa_diamond.csv (multiple choice, options shuffled per question)
// Anything else that names an existing file is read as generic JSONL (see LoadJsonlProblems), which
// is how the testbed's split is evaluated: `relaygen testbed data` writes <dir>/test.jsonl.
// A name can also be registered at run time (RegisterDataset), e.g. "testbed".
#ifndef RELAYGEN_EVAL_DATASET_H_
#define RELAYGEN_EVAL_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

namespace relaygen {

// How a reference answer is compared: numeric (AIME/AMC integers), latex (MATH-500 expressions),
// choice (a letter A-D).
enum class AnswerKind { kNumeric, kLatex, kChoice };
const char* AnswerKindName(AnswerKind kind);
AnswerKind ParseAnswerKind(const std::string& name);  // throws relaygen::Error

// kClean: the paper's wording with the reference's accidental indentation removed (default).
// kReference: byte-for-byte the reference's user message, including its indentation and the
// backspace character that its Python string literal "\boxed" produces (see docs/evaluation.md).
enum class PromptStyle { kClean, kReference };
PromptStyle ParsePromptStyle(const std::string& name);  // "clean" | "reference"; throws
const char* PromptStyleName(PromptStyle style);

struct EvalProblem {
  std::string id;        // stable within the dataset: the key of a run file line
  std::string dataset;   // "math500", ..., or the file name for a path
  std::string question;  // the problem text as the dataset has it (GPQA: the stem, stripped)
  std::string prompt;    // the user message to render through the chat template
  std::string answer;    // the reference answer (choice: the letter of the correct option)
  AnswerKind kind = AnswerKind::kLatex;
  std::string solution;              // a reference solution, empty when the dataset has none
  std::vector<std::string> choices;  // choice: option texts in displayed order (A, B, C, D)
};

struct DatasetOptions {
  std::string data_dir;           // empty: DefaultDataDir()
  std::uint64_t seed = 0;         // GPQA option shuffle
  bool gpqa_fixed_order = false;  // the reference's layout: A is always the correct option
  PromptStyle prompt_style = PromptStyle::kClean;
};

// $RELAYGEN_DATA if set, else <source dir>/../shared/datasets.
std::string DefaultDataDir();

// The built-in dataset names plus registered ones, sorted.
std::vector<std::string> DatasetNames();

// Loads a built-in or registered dataset by name, or a JSONL file by path. Throws relaygen::Error
// for an unknown name, a missing file, or a malformed row (with file:line).
std::vector<EvalProblem> LoadDataset(const std::string& name_or_path, const DatasetOptions& options);

// Registers a loader under `name` (replacing a previous one). Not thread-safe; call from main or
// a command's setup. The testbed uses it for "testbed".
using DatasetLoader = std::vector<EvalProblem> (*)(const DatasetOptions& options);
void RegisterDataset(const std::string& name, DatasetLoader loader);

// Generic JSONL: one object per line with "problem" or "question", "answer" (string or number),
// optional "id" (string or number; default: the 0-based index among non-blank lines), "prompt"
// (the user message verbatim; default: MathPrompt of the problem), "solution" (or "response", the
// testbed's name for its reference trace), "kind" ("numeric"|"latex"|"choice"; default numeric for
// an integer answer, else latex) and, for choice rows, "choices" (2-26 strings shown in the given
// order; "answer" is then the letter). Blank lines are skipped. `relaygen testbed data` writes
// this format ({id, problem, prompt, answer, response}) to <dir>/test.jsonl.
std::vector<EvalProblem> LoadJsonlProblems(const std::string& path, const std::string& dataset,
                                       const DatasetOptions& options);

// The user messages of SPEC §5.
std::string MathPrompt(const std::string& problem, PromptStyle style);
std::string ChoicePrompt(const std::string& question, const std::vector<std::string>& choices,
                         PromptStyle style);

// The order in which GPQA shows a question's options: a permutation of 0..n-1 that depends only
// on (seed, id), computed with SplitMix64 so that it is the same on every platform and library.
std::vector<int> OptionPermutation(std::uint64_t seed, const std::string& id, int n);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_DATASET_H_
