#include "relay/online_stats.h"

#include "util/error.h"
#include "util/json_line.h"

namespace relaygen {
namespace {

constexpr int kVersion = 1;

CueMatch MatchOf(const std::string& name) {
  if (name == ToString(CueMatch::kWordBoundary)) return CueMatch::kWordBoundary;
  if (name == ToString(CueMatch::kSubstring)) return CueMatch::kSubstring;
  throw Error("unknown cue match '" + name + "' in the cue profile");
}

// The tally of every complete line of `path` (nothing when the file does not exist), each request
// counted once; `requests` collects their keys.
OnlineTally ReadOne(const std::string& path, const std::string& match, bool* any, std::set<std::string>* requests) {
  OnlineTally total;
  total.match = match;
  int n = 0;
  for (const std::string& line : ReadCompleteLines(path)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    const nlohmann::json j = ParseJsonObjectLine(line, where);
    if (j.value("v", 0) != kVersion) throw Error(where + ": not an online-statistics line (version)");
    const std::string request = j.value("request", "");
    if (!request.empty() && !requests->insert(request).second) continue;
    const OnlineTally t = OnlineTallyFromJson(j, where);
    if (!*any) total.match = t.match;
    *any = true;
    try {
      total.Merge(t);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
  }
  return total;
}

}  // namespace

OnlineTally ReadOnlineStats(const std::vector<std::string>& paths) {
  if (paths.empty()) throw Error("no online-statistics files given");
  OnlineTally total;
  bool any = false;
  for (const std::string& path : paths) {
    bool file_any = false;
    std::set<std::string> requests;  // a request's key is unique within its file
    const OnlineTally t = ReadOne(path, total.match, &file_any, &requests);
    if (!file_any) continue;
    if (!any) total.match = t.match;
    any = true;
    try {
      total.Merge(t);
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
  }
  if (!any) throw Error("no online statistics in the files given");
  return total;
}

OnlineStats::OnlineStats(const std::string& path, const CueProfile& profile, double explore)
    : profile_(profile),
      selected_(profile.Selected()),
      rule_(SelectionRule::Parse(profile.rule)),
      match_(MatchOf(profile.match)),
      explore_(explore),
      file_(path) {
  if (!rule_.pooled_mean && rule_.quantile != 0) {
    throw Error("online statistics keep the mean and min rules only; the profile uses " + profile.rule);
  }
  bool any = false;
  total_ = ReadOne(path, profile.match, &any, &requests_);
  if (total_.match != profile.match) {
    throw Error(path + " holds statistics matched " + total_.match + ", the profile matches " + profile.match);
  }
}

OnlineUpdate OnlineStats::Add(const std::string& prompt, const PolicyResult& result, const std::string& policy,
                              const std::string& request) {
  OnlineUpdate update;
  // The tally needs no lock: it reads only this run and immutable members.
  update.run = TallyTrace(ReadAlongOf(prompt.size(), result), match_, CandidateCues());
  nlohmann::ordered_json line;
  line["v"] = kVersion;
  line["policy"] = policy;
  line["explore"] = explore_;
  if (!request.empty()) line["request"] = request;
  const nlohmann::ordered_json tally = OnlineTallyToJson(update.run);
  for (auto it = tally.begin(); it != tally.end(); ++it) line[it.key()] = it.value();
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  std::lock_guard<std::mutex> lock(mu_);
  if (!request.empty() && !requests_.insert(request).second) {
    update.repeated = true;
    return update;
  }
  file_.Append(text);
  total_.Merge(update.run);
  if (total_.global.n > 0) {
    update.alarms = FindDrift(ProfileFromTally(total_, rule_, 1), selected_);
  }
  for (const DriftAlarm& a : update.alarms) {
    if (alarmed_.insert(a.cue).second) update.new_alarms.push_back(a);
  }
  return update;
}

OnlineTally OnlineStats::Total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

}  // namespace relaygen
