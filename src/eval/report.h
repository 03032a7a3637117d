// The paper's two tables from run files: accuracy (Table 2: pass@1 per dataset x policy) and
// speed (Table 3: speed-up over the large model alone, with large-model utilization), as markdown
// and CSV, plus a gnuplot plot of accuracy against speed-up.
#ifndef RELAYGEN_EVAL_REPORT_H_
#define RELAYGEN_EVAL_REPORT_H_

#include <string>
#include <vector>

#include "eval/run_store.h"

namespace relaygen {

struct AccuracyCell {
  std::string dataset;
  std::string policy;
  int problems = 0;
  int samples = 0;            // lines (problem, sample) in all
  int samples_per_problem = 0;  // k when every problem has k samples, else 0
  double pass_at_1 = 0;       // mean over problems of the fraction of correct samples, in [0, 1]
};

struct SpeedCell {
  std::string dataset;
  std::string policy;
  int problems = 0;             // problems timed under both this policy and the baseline
  double speedup_mean = 0;      // mean over problems of baseline mean wall / policy mean wall
  double speedup_std = 0;       // population standard deviation over problems
  double large_utilization = 0; // mean over lines of large_utilization, in [0, 1]
  double mean_wall_ms = 0;      // mean over those problems of the policy's mean wall time
  double mean_tokens = 0;       // mean over lines of large_tokens + small_tokens
};

struct Report {
  std::string baseline;  // the policy speed-ups are relative to
  std::vector<AccuracyCell> accuracy;  // sorted by dataset, then PolicyOrder
  std::vector<SpeedCell> speed;        // datasets where the baseline has timed lines
};

// Aggregates records (from any number of run files). Lines with wall_ms <= 0 are not timed and
// count only for accuracy. Throws relaygen::Error if the same key appears twice across files.
Report BuildReport(const std::vector<RunRecord>& records, const std::string& baseline = "large");

// Paper order first (small, large, spec-thinking, token-router, relay, all-cues, answer-only,
// oracle), then any other policy alphabetically.
bool PolicyBefore(const std::string& a, const std::string& b);

std::string AccuracyMarkdown(const Report& report);  // rows: policies; columns: datasets
std::string SpeedMarkdown(const Report& report);     // one table per dataset
std::string AccuracyCsv(const Report& report);
std::string SpeedCsv(const Report& report);

// Writes <dir>/accuracy_vs_speedup.{dat,gp,png,svg} by running gnuplot (pngcairo when the
// installed gnuplot has it, else png). Throws relaygen::Error if gnuplot is missing or fails, or
// if the report has no speed rows to plot.
void WritePlot(const Report& report, const std::string& dir);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_REPORT_H_
