#include "eval/dataset.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/csv.h"
#include "util/error.h"
#include "util/json_line.h"

#ifndef RELAYGEN_SOURCE_DIR
#define RELAYGEN_SOURCE_DIR "."
#endif

namespace relaygen {

namespace {

using nlohmann::json;

const char kMathInstruction[] =
    "Please reason step by step, and put your final answer within \\boxed{}.";
const char kChoiceIntro[] = "Please solve this multiple choice question.";
const char kChoiceInstruction[] =
    "Please provide your answer in the format \\boxed{X}, where X is a single letter "
    "(A, B, C, or D).";

std::string Strip(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string JoinPath(const std::string& dir, const std::string& file) {
  if (dir.empty() || dir.back() == '/') return dir + file;
  return dir + "/" + file;
}

std::string DataDir(const DatasetOptions& options) {
  return options.data_dir.empty() ? DefaultDataDir() : options.data_dir;
}

// Answers stored as JSON numbers (AMC: 27.0) become their shortest decimal text ("27").
std::string NumberText(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  double d = value.get<double>();
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, result.ptr);
}

std::string ScalarText(const json& value, const std::string& where, const char* field) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return NumberText(value);
  throw Error(where + ": field '" + field + "' must be a string or a number");
}

bool IsInteger(const std::string& s) {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + i, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Calls fn(object, "path:line") for each non-blank line of a JSONL file.
template <typename Fn>
void ForEachJsonLine(const std::string& path, Fn fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Strip(line).empty()) continue;
    const std::string where = path + ":" + std::to_string(number);
    const json object = ParseJsonObjectLine(line, where);
    fn(object, where);
  }
}

const json& Field(const json& object, const char* name, const std::string& where) {
  auto it = object.find(name);
  if (it == object.end()) throw Error(where + ": missing field '" + name + "'");
  return *it;
}

std::string StringField(const json& object, const char* name, const std::string& where) {
  const json& value = Field(object, name, where);
  if (!value.is_string()) throw Error(where + ": field '" + name + "' must be a string");
  return value.get<std::string>();
}

EvalProblem MathProblem(std::string dataset, std::string id, std::string question, std::string answer,
                    AnswerKind kind, std::string solution, const DatasetOptions& options) {
  EvalProblem p;
  p.dataset = std::move(dataset);
  p.id = std::move(id);
  p.question = std::move(question);
  p.prompt = MathPrompt(p.question, options.prompt_style);
  p.answer = Strip(answer);
  p.kind = kind;
  p.solution = std::move(solution);
  return p;
}

std::vector<EvalProblem> LoadAime25(const DatasetOptions& options) {
  std::string path = JoinPath(DataDir(options), "aime25/aime_2025.jsonl");
  std::vector<EvalProblem> problems;
  ForEachJsonLine(path, [&](const json& row, const std::string& where) {
    // The file has no ids; its order is the official one (I-1..I-15, II-1..II-15).
    std::size_t n = problems.size();
    std::string id = (n < 15 ? "I-" : "II-") + std::to_string(n % 15 + 1);
    problems.push_back(MathProblem("aime25", id, StringField(row, "question", where),
                                   ScalarText(Field(row, "answer", where), where, "answer"),
                                   AnswerKind::kNumeric, "", options));
  });
  if (problems.size() != 30) {
    throw Error(path + ": expected 30 AIME 2025 problems, found " + std::to_string(problems.size()));
  }
  return problems;
}

std::vector<EvalProblem> LoadAime24(const DatasetOptions& options) {
  std::string path = JoinPath(DataDir(options), "aime24/test.jsonl");
  std::vector<EvalProblem> problems;
  ForEachJsonLine(path, [&](const json& row, const std::string& where) {
    problems.push_back(MathProblem("aime24", ScalarText(Field(row, "id", where), where, "id"),
                                   StringField(row, "problem", where),
                                   ScalarText(Field(row, "answer", where), where, "answer"),
                                   AnswerKind::kNumeric, StringField(row, "solution", where),
                                   options));
  });
  return problems;
}

std::vector<EvalProblem> LoadMath500(const DatasetOptions& options) {
  std::string path = JoinPath(DataDir(options), "math500/test.jsonl");
  std::vector<EvalProblem> problems;
  ForEachJsonLine(path, [&](const json& row, const std::string& where) {
    problems.push_back(MathProblem("math500", StringField(row, "unique_id", where),
                                   StringField(row, "problem", where),
                                   StringField(row, "answer", where), AnswerKind::kLatex,
                                   StringField(row, "solution", where), options));
  });
  return problems;
}

std::vector<EvalProblem> LoadAmc23(const DatasetOptions& options) {
  std::string path = JoinPath(DataDir(options), "amc23/test.jsonl");
  std::vector<EvalProblem> problems;
  ForEachJsonLine(path, [&](const json& row, const std::string& where) {
    problems.push_back(MathProblem("amc23", ScalarText(Field(row, "id", where), where, "id"),
                                   StringField(row, "problem", where),
                                   ScalarText(Field(row, "answer", where), where, "answer"),
                                   AnswerKind::kNumeric, "", options));
  });
  return problems;
}

EvalProblem ChoiceProblem(std::string dataset, std::string id, std::string question,
                      std::vector<std::string> options_text, int correct,
                      const DatasetOptions& options) {
  EvalProblem p;
  p.dataset = std::move(dataset);
  p.id = std::move(id);
  p.question = Strip(question);
  p.kind = AnswerKind::kChoice;
  int n = static_cast<int>(options_text.size());
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  if (!options.gpqa_fixed_order) order = OptionPermutation(options.seed, p.id, n);
  for (int i = 0; i < n; ++i) {
    p.choices.push_back(Strip(options_text[order[i]]));
    if (order[i] == correct) p.answer = std::string(1, static_cast<char>('A' + i));
  }
  p.prompt = ChoicePrompt(p.question, p.choices, options.prompt_style);
  return p;
}

std::vector<EvalProblem> LoadGpqaDiamond(const DatasetOptions& options) {
  std::string path = JoinPath(DataDir(options), "gpqa_diamond/gpqa_diamond.csv");
  CsvTable table = ReadCsvFile(path);
  std::size_t question = table.Column("Question", path);
  std::size_t correct = table.Column("Correct Answer", path);
  std::size_t wrong[3] = {table.Column("Incorrect Answer 1", path),
                          table.Column("Incorrect Answer 2", path),
                          table.Column("Incorrect Answer 3", path)};
  std::size_t record_id = table.Column("Record ID", path);
  std::vector<EvalProblem> problems;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    std::string where = path + ":" + std::to_string(table.row_lines[r]);
    // The reference's layout: option 0 is the correct answer, 1..3 the incorrect ones in order.
    std::vector<std::string> texts = {row[correct], row[wrong[0]], row[wrong[1]], row[wrong[2]]};
    for (const auto& t : texts) {
      if (Strip(t).empty()) throw Error(where + ": empty answer option");
    }
    if (Strip(row[question]).empty()) throw Error(where + ": empty question");
    if (Strip(row[record_id]).empty()) throw Error(where + ": empty Record ID");
    problems.push_back(ChoiceProblem("gpqa_diamond", Strip(row[record_id]), row[question],
                                     std::move(texts), 0, options));
  }
  return problems;
}

std::map<std::string, DatasetLoader>& Registry() {
  static std::map<std::string, DatasetLoader> registry = {
      {"aime24", LoadAime24},   {"aime25", LoadAime25},
      {"amc23", LoadAmc23},     {"gpqa_diamond", LoadGpqaDiamond},
      {"math500", LoadMath500},
  };
  return registry;
}

std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool FileExists(const std::string& path) {
  std::ifstream in(path);
  return static_cast<bool>(in);
}

}  // namespace

const char* AnswerKindName(AnswerKind kind) {
  switch (kind) {
    case AnswerKind::kNumeric: return "numeric";
    case AnswerKind::kLatex: return "latex";
    case AnswerKind::kChoice: return "choice";
  }
  return "latex";
}

AnswerKind ParseAnswerKind(const std::string& name) {
  if (name == "numeric") return AnswerKind::kNumeric;
  if (name == "latex") return AnswerKind::kLatex;
  if (name == "choice") return AnswerKind::kChoice;
  throw Error("unknown answer kind '" + name + "' (expected numeric, latex or choice)");
}

const char* PromptStyleName(PromptStyle style) {
  return style == PromptStyle::kReference ? "reference" : "clean";
}

PromptStyle ParsePromptStyle(const std::string& name) {
  if (name == "clean") return PromptStyle::kClean;
  if (name == "reference") return PromptStyle::kReference;
  throw Error("unknown prompt style '" + name + "' (expected clean or reference)");
}

std::string DefaultDataDir() {
  const char* env = std::getenv("RELAYGEN_DATA");
  if (env != nullptr && *env != '\0') return env;
  return std::string(RELAYGEN_SOURCE_DIR) + "/../shared/datasets";
}

std::vector<std::string> DatasetNames() {
  std::vector<std::string> names;
  for (const auto& entry : Registry()) names.push_back(entry.first);
  return names;
}

void RegisterDataset(const std::string& name, DatasetLoader loader) { Registry()[name] = loader; }

std::vector<EvalProblem> LoadDataset(const std::string& name_or_path, const DatasetOptions& options) {
  auto it = Registry().find(name_or_path);
  if (it != Registry().end()) return it->second(options);
  if (FileExists(name_or_path)) {
    std::string base = name_or_path.substr(name_or_path.find_last_of('/') + 1);
    return LoadJsonlProblems(name_or_path, base, options);
  }
  std::string known;
  for (const auto& name : DatasetNames()) known += (known.empty() ? "" : ", ") + name;
  throw Error("unknown dataset '" + name_or_path + "': not one of " + known +
              " and not an existing JSONL file");
}

std::vector<EvalProblem> LoadJsonlProblems(const std::string& path, const std::string& dataset,
                                       const DatasetOptions& options) {
  std::vector<EvalProblem> problems;
  std::size_t index = 0;
  ForEachJsonLine(path, [&](const json& row, const std::string& where) {
    std::string id = row.contains("id") ? ScalarText(row["id"], where, "id") : std::to_string(index);
    ++index;
    if (!row.contains("problem") && !row.contains("question")) {
      throw Error(where + ": missing field 'problem' (or 'question')");
    }
    std::string question = StringField(row, row.contains("problem") ? "problem" : "question", where);
    std::string answer = Strip(ScalarText(Field(row, "answer", where), where, "answer"));
    AnswerKind kind = IsInteger(answer) ? AnswerKind::kNumeric : AnswerKind::kLatex;
    if (row.contains("kind")) {
      try {
        kind = ParseAnswerKind(StringField(row, "kind", where));
      } catch (const Error& e) {
        throw Error(where + ": " + e.what());
      }
    }
    if (row.contains("choices") || kind == AnswerKind::kChoice) {
      const json& list = Field(row, "choices", where);
      if (!list.is_array() || list.size() < 2 || list.size() > 26) {
        throw Error(where + ": 'choices' must be an array of 2 to 26 strings");
      }
      std::vector<std::string> texts;
      for (const auto& c : list) {
        if (!c.is_string()) throw Error(where + ": 'choices' must hold strings");
        texts.push_back(c.get<std::string>());
      }
      if (answer.size() != 1 || answer[0] < 'A' || answer[0] >= 'A' + static_cast<int>(texts.size())) {
        throw Error(where + ": a choice answer must be one of the option letters, got '" + answer + "'");
      }
      // Choices in a generic file are shown as given: the file fixes the order.
      DatasetOptions fixed = options;
      fixed.gpqa_fixed_order = true;
      problems.push_back(ChoiceProblem(dataset, id, question, std::move(texts), answer[0] - 'A', fixed));
      return;
    }
    // The testbed's files name the reference trace "response".
    std::string solution = row.contains("solution")   ? StringField(row, "solution", where)
                           : row.contains("response") ? StringField(row, "response", where)
                                                      : "";
    if (answer.empty()) throw Error(where + ": empty answer");
    problems.push_back(MathProblem(dataset, id, question, answer, kind, solution, options));
    // A file that spells out the user turn (the testbed trains its models on its own wording)
    // keeps it; the prompt style applies only to prompts built here.
    if (row.contains("prompt")) problems.back().prompt = StringField(row, "prompt", where);
  });
  return problems;
}

std::string MathPrompt(const std::string& problem, PromptStyle style) {
  if (style == PromptStyle::kReference) {
    // The reference's triple-quoted template: every line indented by 8 spaces, and "\b" in its
    // non-raw Python literal is a backspace, so the model saw "\x08oxed{}".
    return "\n        " + problem +
           "\n        Please reason step by step, and put your final answer within \x08"
           "oxed{}.\n        ";
  }
  return problem + "\n" + kMathInstruction;
}

std::string ChoicePrompt(const std::string& question, const std::vector<std::string>& choices,
                         PromptStyle style) {
  std::string out;
  if (style == PromptStyle::kReference) {
    const std::string indent = "        ";
    out = "\n" + indent + kChoiceIntro + "\n\n" + indent + "Question: " + question + ".\n\n" +
          indent + "Options: \n";
    for (std::size_t i = 0; i < choices.size(); ++i) {
      out += indent + std::string(1, static_cast<char>('A' + i)) + ": " + choices[i] + "\n";
    }
    return out + "\n" + indent + kChoiceInstruction + "\n" + indent;
  }
  out = std::string(kChoiceIntro) + "\n\nQuestion: " + question + "\n\nOptions:\n";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    out += std::string(1, static_cast<char>('A' + i)) + ": " + choices[i] + "\n";
  }
  return out + "\n" + kChoiceInstruction;
}

std::vector<int> OptionPermutation(std::uint64_t seed, const std::string& id, int n) {
  // FNV-1a of the id, mixed with the seed: each question gets its own stream.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  std::uint64_t state = h ^ (seed * 0x9E3779B97F4A7C15ull);
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  for (int i = n - 1; i > 0; --i) {  // Fisher-Yates; modulo bias is < 2^-60 for n <= 26
    int j = static_cast<int>(SplitMix64(&state) % static_cast<std::uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace relaygen
