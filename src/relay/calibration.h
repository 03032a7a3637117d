// Offline cue calibration (SPEC §2): the large model writes traces, the small model is
// teacher-forced through them, and a candidate cue becomes a switch cue when the small model's
// margins in the sentences it opens beat the global mean by one standard error.
//
// Every step is deterministic: trace seeds derive from (seed, problem index, sample), statistics
// are summed in a fixed order, and the profile is serialised with a fixed format, so the same
// inputs and seed give a byte-identical profile.
#ifndef RELAYGEN_RELAY_CALIBRATION_H_
#define RELAYGEN_RELAY_CALIBRATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "relay/cue_profile.h"
#include "relay/cue_regions.h"

namespace relaygen {

struct CalibrationProblem {
  std::string id;
  std::string prompt;  // the user message (rendered with each model's chat template)
};

// JSON lines, one problem each: "prompt" (the user message, as `relaygen testbed data` writes it)
// or else "problem"/"question" (then SPEC §5's math instruction is appended); optional "id"
// (string or number; default: the 0-based line index). Throws relaygen::Error with file:line.
std::vector<CalibrationProblem> LoadCalibrationProblems(const std::string& path);

// One large-model generation. JSONL-serialisable so a rerun can skip generation.
struct Trace {
  std::string id;       // problem id
  int sample = 0;
  uint64_t seed = 0;    // sampling seed of this trace
  std::string problem;  // the user message
  std::string text;     // everything the large model generated
  int tokens = 0;
  std::string stop;     // "eos", "budget", "context"
};

void SaveTraces(const std::vector<Trace>& traces, const std::string& path);
std::vector<Trace> LoadTraces(const std::string& path);  // throws relaygen::Error with file:line
// Appends one trace as a JSON line and flushes it: how calibrate keeps what an interrupted run made.
void AppendTrace(const Trace& trace, const std::string& path);
// The traces of a file AppendTrace was writing when the run stopped ({} if there is none). A torn
// last line (a write cut short) is removed from the file.
std::vector<Trace> ResumeTraces(const std::string& path);

// The seed of (problem index, sample): independent of how many problems or samples there are.
uint64_t TraceSeed(uint64_t seed, size_t problem_index, int sample);

using ProgressFn = std::function<void(const std::string& stage, int done, int total)>;

// `samples` traces per problem, in problem-major order. `done` (from ResumeTraces) are the first
// traces of an interrupted run with the same problems and seed: they are kept, not regenerated
// (relaygen::Error if they do not match). `on_trace` sees each newly generated trace.
std::vector<Trace> GenerateTraces(Model& large, const std::vector<CalibrationProblem>& problems,
                                  int samples, const Sampling& sampling, uint64_t seed,
                                  int max_tokens, const ProgressFn& progress = {},
                                  const std::vector<Trace>& done = {},
                                  const std::function<void(const Trace&)>& on_trace = {});

// The reasoning of a generation: everything before `</think>` (all of it when there is none).
std::string ReasoningOf(const std::string& text);
// Bytes of a leading `<think>` marker (0 if none): scoring starts after it, as it is no reasoning.
size_t ThinkStartSize(const std::string& text);

// Small-model margins of every reasoning token, one pass per trace.
struct ScoredTrace {
  std::vector<std::string> pieces;
  std::vector<float> margins;
};
ScoredTrace ScoreTrace(Model& small, Session& session, const Trace& trace);

struct CalibrationOptions {
  CueMatch match = CueMatch::kWordBoundary;
  SelectionRule rule;  // the paper's pooled mean by default
  int min_occurrences = 1;
  std::vector<std::string> candidates = CandidateCues();
};

// The rule's value of one region (quantile rules): the Q-quantile of its margins (not empty).
double RegionScore(std::vector<double> margins, const SelectionRule& rule);
// SPEC §2.5: μ_c ≥ μ + SE_c, with at least `min_occurrences` occurrences and one value measured.
bool IsSwitchCue(const CueStat& stat, long long values, double global_mean, int min_occurrences);

// Statistics and selection (SPEC §2.3–2.5). Fills global_tokens, global_mean, match,
// min_occurrences and cues; the caller fills the provenance fields. Throws when there are no
// tokens at all.
CueProfile ComputeCueProfile(const std::vector<ScoredTrace>& traces, const CalibrationOptions& options);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_CALIBRATION_H_
