// relaygen grade GOLD PRED            one verdict, with what was extracted and how both normalize
// relaygen grade --jsonl FILE|-       lines {"gold": ..., "pred": ...} -> one JSON verdict a line
//
// So that anyone can check by hand how relaygen grades an answer: PRED is a whole model output
// (the answer is extracted from it exactly as `relaygen eval` does) or a bare answer; GOLD is the
// dataset's reference answer. A batch line may carry "label" (true/false, a human's verdict); then
// the agreement, false positives and false negatives are printed on stderr.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "eval/answer_extract.h"
#include "eval/grader.h"
#include "eval/math_equiv.h"
#include "util/error.h"

namespace relaygen {

namespace {

struct GradeFlags {
  std::string gold;
  std::string pred;
  std::string jsonl;
  bool json = false;
};

nlohmann::json Verdict(const std::string& gold, const std::string& pred) {
  EvalProblem problem;
  problem.kind = AnswerKind::kLatex;
  problem.answer = gold;
  Grade grade = GradeOutput(pred, problem);
  nlohmann::json out = {{"gold", gold},
                        {"pred", pred},
                        {"extracted", grade.answered ? nlohmann::json(grade.extracted) : nlohmann::json()},
                        {"equal", grade.correct}};
  return out;
}

int GradeOne(const GradeFlags& flags) {
  nlohmann::json v = Verdict(flags.gold, flags.pred);
  if (flags.json) {
    std::printf("%s\n", v.dump().c_str());
    return 0;
  }
  if (v["extracted"].is_null()) {
    std::printf("extracted:  (no answer found)\nverdict:    not equal\n");
    return 0;
  }
  std::string extracted = v["extracted"];
  std::printf("extracted:  %s\nnormalized: %s\ngold:       %s\nverdict:    %s\n", extracted.c_str(),
              NormalizeAnswer(extracted).c_str(), NormalizeAnswer(flags.gold).c_str(),
              v["equal"].get<bool>() ? "equal" : "not equal");
  return 0;
}

int GradeBatch(const GradeFlags& flags) {
  std::ifstream file;
  if (flags.jsonl != "-") {
    file.open(flags.jsonl);
    if (!file) throw Error("cannot read " + flags.jsonl);
  }
  std::istream& in = flags.jsonl == "-" ? std::cin : file;
  std::string line;
  int n = 0, equal = 0, labelled = 0, agree = 0, false_pos = 0, false_neg = 0;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(flags.jsonl + ":" + std::to_string(number) + ": not JSON: " + e.what());
    }
    if (!row.is_object() || !row.contains("gold") || !row.contains("pred")) {
      throw Error(flags.jsonl + ":" + std::to_string(number) + ": needs \"gold\" and \"pred\"");
    }
    auto text = [](const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); };
    nlohmann::json v = Verdict(text(row["gold"]), text(row["pred"]));
    bool verdict = v["equal"];
    ++n;
    equal += verdict;
    if (row.contains("label") && row["label"].is_boolean()) {
      bool label = row["label"];
      v["label"] = label;
      ++labelled;
      agree += label == verdict;
      false_pos += verdict && !label;
      false_neg += !verdict && label;
    }
    std::printf("%s\n", v.dump().c_str());
  }
  std::fprintf(stderr, "%d pairs, %d graded equal\n", n, equal);
  if (labelled > 0) {
    std::fprintf(stderr, "labelled %d: agreement %d (%.1f%%), false positives %d, false negatives %d\n",
                 labelled, agree, 100.0 * agree / labelled, false_pos, false_neg);
  }
  return 0;
}

CommandMain SetupGrade(CLI::App* sub) {
  auto flags = std::make_shared<GradeFlags>();
  sub->add_option("gold", flags->gold, "The reference answer, e.g. '\\frac{1}{2}'");
  sub->add_option("pred", flags->pred, "A model output or a bare answer, e.g. 'so \\boxed{0.5}'");
  sub->add_option("--jsonl", flags->jsonl,
                  "Grade every line {\"gold\", \"pred\"[, \"label\"]} of this file ('-': stdin)");
  sub->add_flag("--json", flags->json, "Print the single verdict as JSON");
  return [flags] {
    if (!flags->jsonl.empty()) {
      if (!flags->gold.empty() || !flags->pred.empty()) throw Error("give GOLD PRED or --jsonl, not both");
      return GradeBatch(*flags);
    }
    if (flags->gold.empty() || flags->pred.empty()) throw Error("give GOLD and PRED (or --jsonl FILE)");
    return GradeOne(*flags);
  };
}

static CommandRegistration registration("grade", "Grade one answer (or a JSONL batch) against a reference, by hand",
                                        SetupGrade);

}  // namespace

}  // namespace relaygen
