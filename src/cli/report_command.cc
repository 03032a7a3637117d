// relaygen report run*.jsonl [--out-dir DIR] [--csv] [--plot] [--baseline large] [--grader G]
//
// Prints the accuracy table (pass@1 per dataset x policy) and the speed tables (speed-up over the
// baseline policy with large-model utilization) as markdown; with --out-dir also writes them to
// DIR/report.md, and --csv / --plot add accuracy.csv, speed.csv and accuracy_vs_speedup.{png,svg}.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/command.h"
#include "eval/grader.h"
#include "eval/report.h"
#include "eval/run_store.h"
#include "util/error.h"

namespace relaygen {

namespace {

struct ReportFlags {
  std::vector<std::string> runs;
  std::string out_dir;
  std::string baseline = "large";
  std::string grader;  // empty: the verdicts as recorded
  bool csv = false;
  bool plot = false;
};

// A line of a multiple-choice problem: its answer is an option letter (the letter is graded the
// same way by both graders, so --grader leaves it alone).
bool ChoiceRecord(const RunRecord& r) {
  return r.answer.size() == 1 && r.answer[0] >= 'A' && r.answer[0] <= 'Z';
}

// Re-grades the math lines from their text with `grader` (a table of the reference's numbers from
// the same runs).
void Regrade(std::vector<RunRecord>* records, GraderKind grader) {
  for (RunRecord& r : *records) {
    r.extra["grader"] = GraderName(grader);
    if (ChoiceRecord(r)) continue;
    EvalProblem problem;
    problem.kind = AnswerKind::kLatex;
    problem.answer = r.answer;
    Grade g = GradeOutput(r.text, problem, grader);
    r.correct = g.correct;
    r.extracted = g.extracted;
  }
}

// "Graded by relaygen's grader." (or the list, when the run files were graded differently).
std::string GradedBy(const std::vector<RunRecord>& records) {
  std::set<std::string> graders;
  for (const RunRecord& r : records) {
    graders.insert(r.extra.contains("grader") && r.extra["grader"].is_string()
                       ? r.extra["grader"].get<std::string>()
                       : "relaygen (run file written before the grader was recorded)");
  }
  std::string out;
  for (const std::string& g : graders) out += (out.empty() ? "" : ", ") + g;
  return "Graded by: " + out + ".\n\n";
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error("cannot write " + path);
  std::fprintf(stderr, "wrote %s\n", path.c_str());
}

int RunReport(const ReportFlags& flags) {
  std::vector<RunRecord> records;
  for (const auto& path : flags.runs) {
    std::size_t torn = 0;
    std::vector<RunRecord> file = ReadRunFile(path, &torn);
    if (torn > 0) {
      std::fprintf(stderr, "relaygen: warning: %s ends with a torn line (%zu bytes), ignored\n",
                   path.c_str(), torn);
    }
    records.insert(records.end(), file.begin(), file.end());
  }
  if (records.empty()) throw Error("the run files hold no results");
  if (!flags.grader.empty()) Regrade(&records, ParseGraderName(flags.grader));
  Report report = BuildReport(records, flags.baseline);
  std::string markdown = "## Accuracy\n\n" + GradedBy(records) + AccuracyMarkdown(report) + "\n## Speed\n\n" +
                         SpeedMarkdown(report);
  std::fputs(markdown.c_str(), stdout);
  std::string dir = flags.out_dir.empty() ? "." : flags.out_dir;
  if (!flags.out_dir.empty() || flags.csv || flags.plot) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("cannot create " + dir + ": " + ec.message());
  }
  if (!flags.out_dir.empty()) WriteText(dir + "/report.md", markdown);
  if (flags.csv) {
    WriteText(dir + "/accuracy.csv", AccuracyCsv(report));
    WriteText(dir + "/speed.csv", SpeedCsv(report));
  }
  if (flags.plot) {
    WritePlot(report, dir);
    std::fprintf(stderr, "wrote %s/accuracy_vs_speedup.{png,svg}\n", dir.c_str());
  }
  return 0;
}

CommandMain SetupReport(CLI::App* sub) {
  auto flags = std::make_shared<ReportFlags>();
  sub->add_option("runs", flags->runs, "Run files written by `relaygen eval` (JSONL)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--out-dir", flags->out_dir,
                  "Also write report.md here (and the CSV/plot files; default: current directory)");
  sub->add_flag("--csv", flags->csv, "Write accuracy.csv and speed.csv");
  sub->add_flag("--plot", flags->plot, "Plot accuracy vs speed-up with gnuplot (PNG and SVG)");
  sub->add_option("--baseline", flags->baseline, "Policy the speed-ups are relative to")
      ->capture_default_str();
  sub->add_option("--grader", flags->grader,
                  "Re-grade the math lines from their text: relaygen or reference (default: as recorded)")
      ->check(CLI::IsMember({"relaygen", "reference"}));
  return [flags] { return RunReport(*flags); };
}

CommandRegistration registration("report", "Accuracy and speed tables (markdown, CSV, plot) from run files",
                                 SetupReport);

}  // namespace

}  // namespace relaygen
