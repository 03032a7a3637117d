#include "relay/online_tally.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "relay/calibration.h"
#include "util/error.h"

namespace relaygen {

void Moments::Add(double x) {
  ++n;
  sum += x;
  sum_sq += x * x;
}

void Moments::Merge(const Moments& other) {
  n += other.n;
  sum += other.sum;
  sum_sq += other.sum_sq;
}

double Moments::Mean() const { return n > 0 ? sum / static_cast<double>(n) : 0.0; }

double Moments::Std() const {
  if (n == 0) return 0;
  const double mean = Mean();
  return std::sqrt(std::max(0.0, sum_sq / static_cast<double>(n) - mean * mean));
}

double Moments::Se() const { return n > 0 ? Std() / std::sqrt(static_cast<double>(n)) : 0.0; }

void OnlineTally::Merge(const OnlineTally& other) {
  if (other.match != match) {
    throw Error("online statistics matched cues differently (" + match + " vs " + other.match + "); they do not mix");
  }
  requests += other.requests;
  read_tokens += other.read_tokens;
  global.Merge(other.global);
  for (const auto& [cue, c] : other.cues) {
    OnlineCueTally& mine = cues[cue];
    mine.occurrences += c.occurrences;
    mine.explored += c.explored;
    mine.tokens.Merge(c.tokens);
    mine.region_min.Merge(c.region_min);
  }
}

ReadAlongTrace ReadAlongOf(size_t prompt_size, const PolicyResult& result) {
  const std::string& text = result.text;
  const size_t begin = ThinkStartSize(text);
  const size_t end = std::max(begin, ReasoningOf(text).size());
  // Which bytes of the output the large model wrote (answers and inserted text are no reasoning).
  std::vector<char> large(text.size(), 0);
  size_t at = 0;
  for (const SegmentRecord& s : result.segments) {
    const size_t to = std::min(text.size(), at + s.text.size());
    if (s.writer == Writer::kLarge && !s.inserted && !s.answer) std::fill(large.begin() + at, large.begin() + to, 1);
    at = to;
  }
  // The tokens read, by offset in the output; a token read twice (the cache was cut and read
  // again) keeps its last reading.
  std::map<size_t, const PrefillToken*> read;
  ReadAlongTrace out;
  for (const PrefillToken& t : result.read_along) {
    ++out.read_tokens;
    if (t.begin < prompt_size + begin) continue;
    const size_t from = t.begin - prompt_size;
    if (from + t.piece.size() > end || t.piece.empty()) continue;
    if (text.compare(from, t.piece.size(), t.piece) != 0) continue;  // text that changed since
    if (std::find(large.begin() + from, large.begin() + from + t.piece.size(), 0) !=
        large.begin() + from + t.piece.size()) {
      continue;  // the small model wrote part of it
    }
    read[from] = &t;
  }
  for (size_t b = begin; b < end;) {
    auto it = read.find(b);
    if (it != read.end()) {
      out.pieces.push_back(it->second->piece);
      out.margins.push_back(it->second->margin);
      out.measured.push_back(1);
      b += it->second->piece.size();
    } else {
      out.pieces.emplace_back(1, text[b]);
      out.margins.push_back(0);
      out.measured.push_back(0);
      ++b;
    }
  }
  for (size_t e : result.explored) {
    if (e > begin && e <= end) out.explored.push_back(e - begin);
  }
  return out;
}

OnlineTally TallyTrace(const ReadAlongTrace& trace, CueMatch match, const std::vector<std::string>& candidates) {
  OnlineTally tally;
  tally.match = ToString(match);
  tally.requests = 1;
  tally.read_tokens = trace.read_tokens;
  for (size_t i = 0; i < trace.pieces.size(); ++i) {
    if (trace.measured[i]) tally.global.Add(trace.margins[i]);
  }
  std::string text;
  for (const std::string& p : trace.pieces) text += p;
  const std::set<size_t> explored(trace.explored.begin(), trace.explored.end());
  const SelectionRule min_rule = SelectionRule::Parse("min");
  for (const std::string& cue : candidates) {
    const CueRegions regions = FindCueRegions(trace.pieces, cue, match);
    const std::vector<size_t> positions = FindCue(text, cue, match);  // the same occurrences, in order
    OnlineCueTally c;
    std::vector<char> pooled(trace.pieces.size(), 0);
    for (size_t k = 0; k < regions.spans.size(); ++k) {
      const auto [first, last] = regions.spans[k];
      // Whole regions only; an empty one needs the token that ends it right after the cue read
      // (else where its region starts is not known exactly).
      const bool whole = first < last ? std::all_of(trace.measured.begin() + first, trace.measured.begin() + last,
                                                    [](char m) { return m != 0; })
                                      : (static_cast<size_t>(first) >= trace.pieces.size() || trace.measured[first]);
      if (!whole) continue;
      ++c.occurrences;
      if (explored.count(positions[k] + cue.size()) != 0) ++c.explored;
      if (first == last) continue;
      std::fill(pooled.begin() + first, pooled.begin() + last, 1);
      c.region_min.Add(RegionScore({trace.margins.begin() + first, trace.margins.begin() + last}, min_rule));
    }
    for (size_t i = 0; i < pooled.size(); ++i) {
      if (pooled[i]) c.tokens.Add(trace.margins[i]);
    }
    if (c.occurrences > 0) tally.cues[cue] = c;
  }
  return tally;
}

namespace {

nlohmann::ordered_json MomentsToJson(const Moments& m) { return {m.n, m.sum, m.sum_sq}; }

Moments MomentsFromJson(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array() || j.size() != 3 || !j[0].is_number_integer() || !j[1].is_number() || !j[2].is_number()) {
    throw Error(where + ": expected [n, sum, sum of squares]");
  }
  Moments m;
  m.n = j[0].get<long long>();
  m.sum = j[1].get<double>();
  m.sum_sq = j[2].get<double>();
  if (m.n < 0) throw Error(where + ": negative count");
  return m;
}

}  // namespace

nlohmann::ordered_json OnlineTallyToJson(const OnlineTally& tally) {
  nlohmann::ordered_json j;
  j["requests"] = tally.requests;
  j["read_tokens"] = tally.read_tokens;
  j["match"] = tally.match;
  j["global"] = MomentsToJson(tally.global);
  j["cues"] = nlohmann::ordered_json::object();
  for (const auto& [cue, c] : tally.cues) {
    j["cues"][cue] = {{"occurrences", c.occurrences}, {"explored", c.explored},
                      {"tokens", MomentsToJson(c.tokens)}, {"min", MomentsToJson(c.region_min)}};
  }
  return j;
}

OnlineTally OnlineTallyFromJson(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  OnlineTally t;
  try {
    t.requests = j.at("requests").get<int>();
    t.read_tokens = j.value("read_tokens", 0LL);
    t.match = j.at("match").get<std::string>();
    t.global = MomentsFromJson(j.at("global"), where + ": global");
    for (auto it = j.at("cues").begin(); it != j.at("cues").end(); ++it) {
      const std::string at = where + ": cue '" + it.key() + "'";
      OnlineCueTally c;
      c.occurrences = it.value().at("occurrences").get<int>();
      c.explored = it.value().value("explored", 0);
      c.tokens = MomentsFromJson(it.value().at("tokens"), at + " tokens");
      c.region_min = MomentsFromJson(it.value().at("min"), at + " min");
      t.cues[it.key()] = c;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": not online statistics: " + e.what());
  }
  if (t.match != "word-boundary" && t.match != "substring") throw Error(where + ": unknown match '" + t.match + "'");
  return t;
}

CueProfile ProfileFromTally(const OnlineTally& tally, const SelectionRule& rule, int min_occurrences,
                            const std::vector<std::string>& candidates) {
  if (!rule.pooled_mean && rule.quantile != 0) {
    throw Error("online statistics keep the mean and min rules only, not " + rule.ToString());
  }
  if (min_occurrences < 1) throw Error("--min-occurrences must be at least 1");
  if (tally.global.n == 0) throw Error("the online statistics hold no measured tokens");
  CueProfile profile;
  profile.match = tally.match;
  profile.rule = rule.ToString();
  profile.min_occurrences = min_occurrences;
  profile.traces = tally.requests;
  profile.global_tokens = tally.global.n;
  profile.global_mean = tally.global.Mean();
  for (const std::string& cue : candidates) {
    CueStat stat;
    stat.cue = cue;
    auto it = tally.cues.find(cue);
    if (it != tally.cues.end()) {
      const OnlineCueTally& c = it->second;
      const Moments& values = rule.pooled_mean ? c.tokens : c.region_min;
      stat.occurrences = c.occurrences;
      stat.tokens = static_cast<int>(c.tokens.n);
      stat.regions = static_cast<int>(c.region_min.n);
      stat.mean = values.Mean();
      stat.std = values.Std();
      stat.se = values.Se();
      stat.selected = IsSwitchCue(stat, values.n, profile.global_mean, min_occurrences);
    }
    profile.cues.push_back(std::move(stat));
  }
  return profile;
}

std::vector<DriftAlarm> FindDrift(const CueProfile& live, const std::vector<std::string>& selected) {
  const bool pooled = SelectionRule::Parse(live.rule).pooled_mean;
  std::vector<DriftAlarm> alarms;
  for (const CueStat& stat : live.cues) {
    if (std::find(selected.begin(), selected.end(), stat.cue) == selected.end()) continue;
    const long long n = pooled ? stat.tokens : stat.regions;
    const double threshold = live.global_mean + stat.se;
    // One-sided 95 %: even the upper end of μ_c's interval misses the threshold.
    if (n >= kDriftMinSamples && stat.mean + 1.645 * stat.se < threshold) {
      alarms.push_back({stat.cue, stat.mean, stat.se, n, threshold});
    }
  }
  return alarms;
}

std::string DriftWarning(const DriftAlarm& a) {
  char line[320];
  std::snprintf(line, sizeof(line),
                "[online] warning: selected cue \"%s\" drifted: live mu_c %.4f (SE %.4f, n %lld) is below mu + SE_c "
                "= %.4f; re-select with relaygen calibrate --from-online",
                a.cue.c_str(), a.mean, a.se, a.n, a.threshold);
  return line;
}

nlohmann::ordered_json DriftAlarmToJson(const DriftAlarm& a) {
  return {{"cue", a.cue}, {"mean", a.mean}, {"se", a.se}, {"n", a.n}, {"threshold", a.threshold}};
}

}  // namespace relaygen
