// relaygen report run*.jsonl [--out-dir DIR] [--csv] [--plot] [--baseline large]
//
// Prints the accuracy table (pass@1 per dataset x policy) and the speed tables (speed-up over the
// baseline policy with large-model utilization) as markdown; with --out-dir also writes them to
// DIR/report.md, and --csv / --plot add accuracy.csv, speed.csv and accuracy_vs_speedup.{png,svg}.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "eval/report.h"
#include "eval/run_store.h"
#include "util/error.h"

namespace relaygen {

namespace {

struct ReportFlags {
  std::vector<std::string> runs;
  std::string out_dir;
  std::string baseline = "large";
  bool csv = false;
  bool plot = false;
};

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
  Report report = BuildReport(records, flags.baseline);
  std::string markdown = "## Accuracy\n\n" + AccuracyMarkdown(report) + "\n## Speed\n\n" +
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
  return [flags] { return RunReport(*flags); };
}

CommandRegistration registration("report", "Accuracy and speed tables (markdown, CSV, plot) from run files",
                                 SetupReport);

}  // namespace

}  // namespace relaygen
