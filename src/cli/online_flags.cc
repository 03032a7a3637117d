#include "cli/online_flags.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "relay/cue_profile.h"
#include "util/error.h"

namespace relaygen {

void AddOnlineFlags(CLI::App* app, OnlineFlags* flags) {
  CLI::Option* stats = app->add_option("--online-stats", flags->path,
                  "Online calibration: append the small model's margins on the large model's text, read during "
                  "prefill ahead, to this JSONL file (per-cue sums; merge with calibrate --from-online) and warn "
                  "when a selected cue drifts (docs/online-calibration.md)");
  app->add_option("--online-explore", flags->explore,
                  "With --online-stats: the rate at which a selected cue does not switch, so its sentence is "
                  "measured too (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->needs(stats);
}

bool PolicyReadsAlong(const std::string& policy) {
  return policy == "relay" || policy == "all-cues" || policy == "answer-only";
}

PolicyOptions WithOnlineStats(PolicyOptions options, const OnlineFlags& flags) {
  options.relay.score_read_along = true;
  options.relay.explore = flags.explore;
  return options;
}

std::unique_ptr<OnlineStats> OpenOnlineStats(const OnlineFlags& flags, const PairFlags& pair,
                                             const PolicyOptions& options,
                                             const std::vector<std::string>& policies, bool all_must_read) {
  if (flags.path.empty()) return nullptr;
  bool any = false;
  for (const std::string& p : policies) {
    if (all_must_read && !PolicyReadsAlong(p)) {
      throw Error("--online-stats measures policies whose small model reads along (relay, all-cues, answer-only), "
                  "not " + p);
    }
    any |= PolicyReadsAlong(p);
  }
  if (!any) throw Error("--online-stats needs a policy whose small model reads along (relay, all-cues, answer-only)");
  if (!options.relay.prefill_ahead) {
    throw Error("--online-stats measures while the small model reads ahead: drop --no-prefill-ahead");
  }
  if (!pair.small_url.empty()) {
    throw Error("--online-stats needs the small model's logits: an embedded --small, not --small-url");
  }
  return std::make_unique<OnlineStats>(flags.path, LoadCueProfile(pair.profile), flags.explore);
}

nlohmann::ordered_json RecordOnlineRun(OnlineStats& stats, const std::string& prompt, const PolicyResult& result,
                                       const std::string& policy, const std::string& request) {
  const OnlineUpdate update = stats.Add(prompt, result, policy, request);
  for (const DriftAlarm& a : update.new_alarms) std::fprintf(stderr, "%s\n", DriftWarning(a).c_str());
  int regions = 0, explored = 0;
  for (const auto& [cue, c] : update.run.cues) {
    regions += c.occurrences;
    explored += c.explored;
  }
  nlohmann::ordered_json j;
  j["read_tokens"] = update.run.read_tokens;
  j["measured_tokens"] = update.run.global.n;
  j["regions"] = regions;
  j["explored"] = explored;
  j["drift"] = nlohmann::ordered_json::array();
  for (const DriftAlarm& a : update.alarms) j["drift"].push_back(DriftAlarmToJson(a));
  return j;
}

}  // namespace relaygen
