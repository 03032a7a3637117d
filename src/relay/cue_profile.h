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

struct CueStat {
  std::string cue;
  bool selected = false;
  int occurrences = 0;  // matches in the traces
  int tokens = 0;       // post-sentence tokens pooled
  double mean = 0;      // mean small-model margin over those tokens
  double std = 0;       // population standard deviation
  double se = 0;        // std / sqrt(tokens)
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
