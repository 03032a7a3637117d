// Online calibration's statistics (docs/online-calibration.md): calibration's per-cue numbers
// (SPEC §2.3–2.5) accumulated from live relay traffic instead of a separate calibration run.
//
// While the large model writes, the small model reads along (prefill ahead) and, with
// RelayOptions::score_read_along, returns the top-2 margin of every token it reads: the very
// statistic calibration gets by teacher forcing. A run's tally uses calibration's own pieces —
// the candidate cues, FindCueRegions (regions and word boundaries), RegionScore and IsSwitchCue —
// on the reasoning text of the run, counting only what the small model read of the large model's
// text:
//  * the global pool: every reasoning token the small model read that the large model wrote;
//  * a cue's region counts only whole: every token from the first after the cue up to (not
//    including) the one that ends the sentence was written by the large model and read with a
//    margin. A region the small model wrote (after a selected cue that switched), or one cut by a
//    handoff, is left out entirely, so a region's minimum is never taken over part of it.
// Sums (count, sum, sum of squares) are kept, so tallies of runs, files and processes add up.
#ifndef RELAYGEN_RELAY_ONLINE_TALLY_H_
#define RELAYGEN_RELAY_ONLINE_TALLY_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "relay/cue_profile.h"
#include "relay/cue_regions.h"
#include "relay/policy.h"

namespace relaygen {

// Count, sum and sum of squares of a statistic: mean, population std and SE, mergeable by adding.
struct Moments {
  long long n = 0;
  double sum = 0;
  double sum_sq = 0;

  void Add(double x);
  void Merge(const Moments& other);
  double Mean() const;
  double Std() const;  // population std, as calibration's
  double Se() const;   // Std() / sqrt(n)
};

// One candidate cue on live traffic.
struct OnlineCueTally {
  int occurrences = 0;  // whole regions measured (empty ones included)
  int explored = 0;     // of those, after a selected cue that did not switch (exploration)
  Moments tokens;       // margins of the regions' tokens, each token once per run (rule mean)
  Moments region_min;   // each non-empty region's least margin (rule min)
};

struct OnlineTally {
  std::string match = "word-boundary";  // CueMatch of the cue search; tallies of another don't mix
  int requests = 0;
  long long read_tokens = 0;  // tokens the small model read with margins (prompt included)
  Moments global;             // the reasoning tokens of the global pool
  std::map<std::string, OnlineCueTally> cues;  // candidates with at least one measured occurrence

  // Throws relaygen::Error when the match differs.
  void Merge(const OnlineTally& other);
};

// The reasoning of one run as calibration's pieces: each token the small model read of the large
// model's reasoning is a piece with its margin (`measured`); every other byte (the small model's
// text, text it did not read) is a piece of its own, unmeasured. The text is the run's reasoning
// exactly: after a leading `<think>`, up to `</think>`.
struct ReadAlongTrace {
  std::vector<std::string> pieces;
  std::vector<float> margins;      // 0 where not measured
  std::vector<char> measured;
  std::vector<size_t> explored;    // offsets in the reasoning right after explored cues
  long long read_tokens = 0;
};
ReadAlongTrace ReadAlongOf(size_t prompt_size, const PolicyResult& result);

// The tally of one trace for `candidates` (CandidateCues() in practice).
OnlineTally TallyTrace(const ReadAlongTrace& trace, CueMatch match, const std::vector<std::string>& candidates);

// {"requests", "read_tokens", "match", "global": [n, sum, sum_sq], "cues": {cue: {"occurrences",
// "explored", "tokens": [...], "min": [...]}}}; FromJson throws relaygen::Error naming `where`.
nlohmann::ordered_json OnlineTallyToJson(const OnlineTally& tally);
OnlineTally OnlineTallyFromJson(const nlohmann::json& j, const std::string& where);

// Calibration's profile from a tally: the statistics of `rule` (mean or min; quantile rules need
// every margin and are refused) and IsSwitchCue, for `candidates` in their order.
CueProfile ProfileFromTally(const OnlineTally& tally, const SelectionRule& rule, int min_occurrences,
                            const std::vector<std::string>& candidates = CandidateCues());

// The drift alarm: a selected cue whose live statistic is, with one-sided 95 % confidence, below
// the selection threshold: n ≥ kDriftMinSamples values of its rule (tokens for mean, regions for
// min) and μ_c + 1.645·SE_c < μ + SE_c, all live numbers.
constexpr long long kDriftMinSamples = 30;
struct DriftAlarm {
  std::string cue;
  double mean = 0;       // μ_c
  double se = 0;         // SE_c
  long long n = 0;
  double threshold = 0;  // μ + SE_c
};
std::vector<DriftAlarm> FindDrift(const CueProfile& live, const std::vector<std::string>& selected);
std::string DriftWarning(const DriftAlarm& alarm);  // one line, no newline
nlohmann::ordered_json DriftAlarmToJson(const DriftAlarm& alarm);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_ONLINE_TALLY_H_
