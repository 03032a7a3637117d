// relaygen calibrate: find the switch cues of a model pair (SPEC §2) and write the cue profile.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/opened_pair.h"
#include "engine/llama_engine.h"
#include "relay/calibration.h"
#include "relay/calibration_report.h"
#include "relay/cue_profile.h"
#include "relay/online_stats.h"
#include "util/error.h"

namespace relaygen {
namespace {

struct CalibrateFlags {
  PairFlags pair;
  Sampling sampling;
  LlamaOptions engine;
  std::string problems;
  int samples = 4;
  int limit = 0;
  int max_tokens = 4096;
  std::string traces;
  int min_occurrences = 1;
  std::string rule = "mean";
  bool substring_match = false;
  std::string out;
  std::string report_dir;
  std::string command_line;
  std::vector<std::string> from_online;  // online-statistics files instead of traces
  std::string diff;                      // a profile to compare the selection with
};

// One status line on stderr: redrawn in place on a terminal, every ~10% otherwise.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}
  void operator()(const std::string& stage, int done, int total) {
    if (stage != stage_) {
      if (tty_ && !stage_.empty()) std::fputc('\n', stderr);
      stage_ = stage;
      start_ = std::chrono::steady_clock::now();
      last_decile_ = -1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = done > 0 ? s / done * (total - done) : 0;
    const int decile = total > 0 ? 10 * done / total : 10;
    if (!tty_ && decile == last_decile_ && done != total) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s[calibrate] %s %d/%d  %.1fs elapsed  eta %.0fs%s", tty_ ? "\r" : "",
                 stage.c_str(), done, total, s, eta, tty_ ? "   " : "\n");
    if (tty_ && done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  bool tty_;
  std::string stage_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
};

std::string BaseName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// The profile, the summary line and the report: the same for offline and online statistics.
void WriteCalibration(const CueProfile& profile, const CalibrateFlags& flags);

// `relaygen calibrate --from-online`: the selection rule on statistics gathered by relay runs.
int RunFromOnline(const CalibrateFlags& flags) {
  if (!flags.problems.empty() || !flags.traces.empty()) {
    throw Error("--from-online selects from online statistics: --problems and --traces do not apply");
  }
  const OnlineTally tally = ReadOnlineStats(flags.from_online);
  CueProfile profile = ProfileFromTally(tally, SelectionRule::Parse(flags.rule), flags.min_occurrences);
  profile.large = flags.pair.large_url.empty() ? BaseName(flags.pair.large) : flags.pair.large_url;
  profile.small = flags.pair.small_url.empty() ? BaseName(flags.pair.small) : flags.pair.small_url;
  std::string sources;
  for (const std::string& f : flags.from_online) sources += (sources.empty() ? "online:" : ",") + BaseName(f);
  profile.calibration_set = sources;
  std::fprintf(stderr, "[calibrate] online statistics of %d requests (%s)\n", tally.requests, sources.c_str());
  WriteCalibration(profile, flags);
  if (!flags.diff.empty()) std::printf("%s", CueProfileDiff(LoadCueProfile(flags.diff), profile).c_str());
  return 0;
}

int RunCalibrate(const CalibrateFlags& flags) {
  if (!flags.from_online.empty()) return RunFromOnline(flags);
  if (!flags.diff.empty()) throw Error("--diff compares a --from-online selection with a profile");
  if (flags.problems.empty()) throw Error("--problems is required (or --from-online FILE...)");
  if (flags.samples <= 0) throw Error("--samples must be positive");
  if (flags.max_tokens <= 0) throw Error("--max-tokens must be positive");
  if (flags.min_occurrences < 1) throw Error("--min-occurrences must be at least 1");
  std::vector<CalibrationProblem> problems = LoadCalibrationProblems(flags.problems);
  if (flags.limit > 0 && static_cast<size_t>(flags.limit) < problems.size()) problems.resize(flags.limit);
  ConfigureLlamaLogging();
  Progress progress;
  auto report = [&progress](const std::string& stage, int done, int total) { progress(stage, done, total); };

  // 1. The large model's traces, or the ones a previous run saved.
  std::vector<Trace> traces;
  std::string large_name = flags.pair.large_url.empty() ? BaseName(flags.pair.large) : flags.pair.large_url;
  const std::string traces_path = !flags.traces.empty() ? flags.traces : flags.out + ".traces.jsonl";
  if (!flags.traces.empty() && std::filesystem::exists(flags.traces)) {
    traces = LoadTraces(flags.traces);
    std::fprintf(stderr, "[calibrate] %zu traces from %s (generation skipped)\n", traces.size(),
                 flags.traces.c_str());
  } else {
    // Each trace is appended to <traces>.partial as it is made; the same command resumes an
    // interrupted run from there instead of generating everything again.
    const std::string partial = traces_path + ".partial";
    const std::vector<Trace> done = ResumeTraces(partial);
    if (!done.empty()) {
      std::fprintf(stderr, "[calibrate] resuming after %zu traces saved in %s\n", done.size(), partial.c_str());
    }
    auto large = OpenPairModel(flags.pair.large, flags.pair.large_url, flags.pair, ForModel(flags.engine, flags.pair.large_model));
    traces = GenerateTraces(*large, problems, flags.samples, flags.sampling, flags.sampling.seed,
                            flags.max_tokens, report, done,
                            [&partial](const Trace& t) { AppendTrace(t, partial); });
    SaveTraces(traces, traces_path);
    std::remove(partial.c_str());
    std::fprintf(stderr, "[calibrate] traces saved to %s (reuse with --traces)\n", traces_path.c_str());
  }

  // 2. Teacher-force them through the small model.
  auto small = OpenPairModel(flags.pair.small, flags.pair.small_url, flags.pair, ForModel(flags.engine, flags.pair.small_model));
  auto session = small->NewSession();
  std::vector<ScoredTrace> scored;
  const auto scoring_start = std::chrono::steady_clock::now();
  size_t scored_tokens = 0;
  for (const Trace& t : traces) {
    scored.push_back(ScoreTrace(*small, *session, t));
    scored_tokens += scored.back().margins.size();
    report("scoring", static_cast<int>(scored.size()), static_cast<int>(traces.size()));
  }
  // Prompts included: what scripts/bench_real_shaped.sh compares with llama-bench -pp.
  const double scoring_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - scoring_start).count();
  std::fprintf(stderr, "[calibrate] scored %zu tokens in %.1f ms (%.1f tokens/s)\n", scored_tokens, scoring_ms,
               scoring_ms > 0 ? 1000.0 * static_cast<double>(scored_tokens) / scoring_ms : 0.0);

  // 3. Statistics and selection.
  CalibrationOptions options;
  options.match = flags.substring_match ? CueMatch::kSubstring : CueMatch::kWordBoundary;
  options.min_occurrences = flags.min_occurrences;
  options.rule = SelectionRule::Parse(flags.rule);
  CueProfile profile = ComputeCueProfile(scored, options);
  profile.large = large_name;
  profile.small = flags.pair.small_url.empty() ? BaseName(flags.pair.small) : flags.pair.small_url;
  profile.calibration_set = BaseName(flags.problems);
  profile.seed = flags.sampling.seed;
  profile.samples = flags.samples;
  profile.traces = static_cast<int>(traces.size());
  WriteCalibration(profile, flags);
  return 0;
}

void WriteCalibration(const CueProfile& profile, const CalibrateFlags& flags) {
  SaveCueProfile(profile, flags.out);

  const auto selected = profile.Selected();
  std::string list;
  for (const std::string& c : selected) list += " \"" + c + "\"";
  std::fprintf(stderr, "[calibrate] global mean margin %.4f over %lld tokens; selected %zu of %zu cues:%s\n",
               profile.global_mean, profile.global_tokens, selected.size(), profile.cues.size(), list.c_str());
  std::fprintf(stderr, "[calibrate] profile written to %s\n", flags.out.c_str());

  if (!flags.report_dir.empty()) {
    std::filesystem::create_directories(flags.report_dir);
    const std::string md_path = flags.report_dir + "/calibration.md";
    std::ofstream md(md_path, std::ios::binary | std::ios::trunc);
    if (!md) throw Error("cannot write " + md_path);
    md << CalibrationMarkdown(profile, flags.command_line);
    std::string error;
    if (!WriteCalibrationPlot(profile, flags.report_dir, &error)) {
      std::fprintf(stderr, "[calibrate] warning: no plot: %s\n", error.c_str());
    }
    std::fprintf(stderr, "[calibrate] report written to %s\n", md_path.c_str());
  }
}

CommandMain SetupCalibrate(CLI::App* sub) {
  auto flags = std::make_shared<CalibrateFlags>();
  AddPairFlags(sub, &flags->pair, /*with_profile=*/false);
  sub->add_option("--problems", flags->problems,
                  "Calibration problems (JSONL with \"prompt\", or \"problem\"/\"question\"); required "
                  "unless --from-online");
  sub->add_option("--from-online", flags->from_online,
                  "Select from the online statistics of relay/eval/bench --online-stats (files merged) instead of "
                  "traces; rules mean and min (docs/online-calibration.md)");
  sub->add_option("--diff", flags->diff,
                  "With --from-online: print the cues the new selection adds to and drops from this profile");
  sub->add_option("--samples", flags->samples, "Large-model traces per problem")->capture_default_str();
  sub->add_option("--limit", flags->limit, "Use only the first N problems (0: all)")->capture_default_str();
  AddSamplingFlags(sub, &flags->sampling);
  sub->add_option("-n,--max-tokens", flags->max_tokens, "Token budget of each trace")->capture_default_str();
  sub->add_option("--traces", flags->traces,
                  "Trace file: read if it exists (generation skipped), else written there "
                  "(default: <out>.traces.jsonl)");
  sub->add_option("--min-occurrences", flags->min_occurrences,
                  "A cue must occur this often to be selected")->capture_default_str();
  sub->add_option("--rule", flags->rule,
                  "Selection statistic: mean (the paper: pooled post-cue margins), min (each sentence's least sure "
                  "token) or quantile:Q (each sentence's Q-quantile margin); see docs/calibration.md")
      ->capture_default_str();
  sub->add_flag("--substring-match", flags->substring_match,
                "Match cues inside words too, as the reference does");
  sub->add_option("-o,--out", flags->out, "Where to write the cue profile (JSON)")->required();
  sub->add_option("--report-dir", flags->report_dir,
                  "Also write calibration.md and cue_margins.{png,svg} there");
  AddEngineFlags(sub, &flags->engine);
  return [flags, sub] {
    // The command as typed, for the report (without the program path).
    std::string cmd = "relaygen calibrate";
    for (const auto* opt : sub->get_options()) {
      if (opt->count() == 0 || opt->get_name() == "--help") continue;
      const std::string name = opt->get_name(false, true);
      const std::string flag = name.substr(0, name.find(','));
      if (opt->get_type_size() == 0) {
        cmd += " " + flag;
      } else {
        for (const std::string& r : opt->results()) cmd += " " + flag + " " + r;
      }
    }
    flags->command_line = cmd;
    return RunCalibrate(*flags);
  };
}

const CommandRegistration registration("calibrate", "Find a model pair's switch cues (writes a cue profile)",
                                       SetupCalibrate);

}  // namespace
}  // namespace relaygen
