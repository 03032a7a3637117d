// --online-stats FILE and --online-explore ε of relay, eval and bench: online calibration
// (docs/online-calibration.md) wired into a command.
#ifndef RELAYGEN_CLI_ONLINE_FLAGS_H_
#define RELAYGEN_CLI_ONLINE_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/flags.h"
#include "relay/online_stats.h"
#include "relay/policy_factory.h"

namespace CLI {
class App;
}

namespace relaygen {

struct OnlineFlags {
  std::string path;       // "" = off
  double explore = 0.05;  // with path: the rate at which a selected cue does not switch
};
void AddOnlineFlags(CLI::App* app, OnlineFlags* flags);

// Policies whose small model reads the large model's text ahead (the RelayController's).
bool PolicyReadsAlong(const std::string& policy);

// Options with read-along scoring and exploration on (what a measured run uses).
PolicyOptions WithOnlineStats(PolicyOptions options, const OnlineFlags& flags);

// With --online-stats: checks that the measured policies (those of `policies` that read along,
// all of which must when `all_must_read`) can be measured on this pair, and opens the collector
// with the cue profile of `pair`. Null without --online-stats.
std::unique_ptr<OnlineStats> OpenOnlineStats(const OnlineFlags& flags, const PairFlags& pair,
                                             const PolicyOptions& options,
                                             const std::vector<std::string>& policies, bool all_must_read);

// Adds a finished run to `stats`, prints any new drift alarm as one line on stderr, and returns
// what the run's JSON stats record: {read_tokens, measured_tokens, regions, explored, drift: [...]}.
// `request` as OnlineStats::Add takes it.
nlohmann::ordered_json RecordOnlineRun(OnlineStats& stats, const std::string& prompt, const PolicyResult& result,
                                       const std::string& policy, const std::string& request = "");

}  // namespace relaygen

#endif  // RELAYGEN_CLI_ONLINE_FLAGS_H_
