// Switch cues: the reference's candidate list and the calibrated cue profile (SPEC §2).
//
// A profile is a JSON file
//   {large, small, calibration_set, seed, global_mean, ...,
//    cues: [{cue, selected, occurrences, tokens, mean, std, se}]}
// written by `relaygen calibrate` and read by the relay policies.
#ifndef RELAYGEN_RELAY_CUE_PROFILE_H_
#define RELAYGEN_RELAY_CUE_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace relaygen {

// The 91 candidate cues of the reference, in its order: each of the 20 discourse words,
// capitalised then lower-case, bare then with a trailing comma ("So"/"so" appear as `So,` `So `
// instead of a bare form), then check, double-check, verify, then, then,, Then, Then,, next,
// next,, Next, Next,.
const std::vector<std::string>& CandidateCues();

// What a cue is judged by (`relaygen calibrate --rule`).
//  - mean (the paper, SPEC §2.4): the margins of all post-cue tokens pooled; SE over tokens. One
//    hard token among ten routine ones barely moves a region's mean.
//  - quantile:Q / min (= quantile:0): each region (occurrence) is scored by the Q-quantile of its
//    margins (min: its least confident token); mean, std and SE are over regions. Selected iff that
//    mean ≥ μ + SE_c, μ being the global token mean as in the paper: "the weakest token after the
//    cue is on average as sure as the average token".
struct SelectionRule {
  bool pooled_mean = true;
  double quantile = 0;  // when !pooled_mean

  static SelectionRule Parse(const std::string& text);  // "mean", "min", "quantile:0.1"; throws relaygen::Error
  std::string ToString() const;
};

struct CueStat {
  std::string cue;
  bool selected = false;
  int occurrences = 0;  // matches in the traces
  int tokens = 0;       // post-sentence tokens pooled
  double mean = 0;      // the rule's statistic: mean margin over tokens (mean) or over regions' quantiles
  double std = 0;       // population standard deviation of the same
  double se = 0;        // std / sqrt(tokens) (mean) or std / sqrt(regions)
  int regions = 0;      // occurrences whose region has at least one token
};

struct CueProfile {
  std::string large;
  std::string small;
  std::string calibration_set;
  uint64_t seed = 0;
  int samples = 0;
  int traces = 0;
  int min_occurrences = 1;
  std::string match = "word-boundary";  // or "substring" (the reference)
  std::string rule = "mean";             // SelectionRule::ToString()
  long long global_tokens = 0;
  double global_mean = 0;
  std::vector<CueStat> cues;

  // The selected cues, in profile order.
  std::vector<std::string> Selected() const;
};

// Serialises with a fixed key order and number format, so equal profiles are equal bytes.
std::string CueProfileToJson(const CueProfile& profile);
// Throws relaygen::Error naming `origin` on malformed input.
CueProfile CueProfileFromJson(const std::string& json, const std::string& origin = "profile");

CueProfile LoadCueProfile(const std::string& path);
void SaveCueProfile(const CueProfile& profile, const std::string& path);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_CUE_PROFILE_H_
