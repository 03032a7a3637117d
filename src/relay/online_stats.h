// The online-statistics collector: one per model pair and process, shared by every request that
// relays on that pair (a CLI run, or a server's requests on many threads). Each finished run is
// tallied (online_tally.h), appended to the statistics file as one durable JSON line, and added
// to the running total, which the drift alarm watches.
//
// File format: JSON lines {"v": 1, "policy", "explore"[, "request"], ...OnlineTallyToJson}, one per
// run; any set of such files merges into one tally (ReadOnlineStats), whatever processes wrote them.
// "request" names a run that may be made again (an evaluation's sample, made again when a killed
// evaluation resumes): a file holds at most one line per request, and a reader counts only the
// first.
#ifndef RELAYGEN_RELAY_ONLINE_STATS_H_
#define RELAYGEN_RELAY_ONLINE_STATS_H_

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "relay/cue_profile.h"
#include "relay/cue_regions.h"
#include "relay/online_tally.h"
#include "relay/policy.h"
#include "util/durable_lines.h"

namespace relaygen {

// The merged tally of statistics files (torn last lines ignored). Throws relaygen::Error with
// file:line on malformed lines, on files that match cues differently, or when there is nothing.
OnlineTally ReadOnlineStats(const std::vector<std::string>& paths);

// What one run added.
struct OnlineUpdate {
  OnlineTally run;                      // this run's tally
  std::vector<DriftAlarm> alarms;       // selected cues drifting now (totals so far)
  std::vector<DriftAlarm> new_alarms;   // of those, the ones this collector had not reported yet
  bool repeated = false;                // the request was counted already: nothing was added
};

class OnlineStats {
 public:
  // `profile`: the deployed cue profile, whose rule, match and selected cues the alarm checks.
  // The file is opened for appending (and locked); what it already holds counts toward the total.
  OnlineStats(const std::string& path, const CueProfile& profile, double explore);
  OnlineStats(const OnlineStats&) = delete;
  OnlineStats& operator=(const OnlineStats&) = delete;

  // Tallies a finished run of `policy` on `prompt`, appends its line (fsynced) and checks drift.
  // A non-empty `request` that the file already counts adds nothing (OnlineUpdate::repeated).
  // Thread-safe.
  OnlineUpdate Add(const std::string& prompt, const PolicyResult& result, const std::string& policy,
                   const std::string& request = "");

  OnlineTally Total() const;  // thread-safe
  const CueProfile& profile() const { return profile_; }

 private:
  const CueProfile profile_;
  const std::vector<std::string> selected_;
  const SelectionRule rule_;
  const CueMatch match_;
  const double explore_;
  mutable std::mutex mu_;        // guards what follows
  DurableLineWriter file_;
  OnlineTally total_;
  std::set<std::string> alarmed_;  // cues whose alarm was reported
  std::set<std::string> requests_;  // "request" keys the file holds
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_ONLINE_STATS_H_
