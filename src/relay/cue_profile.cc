#include "relay/cue_profile.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace relaygen {

const std::vector<std::string>& CandidateCues() {
  static const std::vector<std::string> cues = [] {
    const char* words[] = {"Therefore", "Thus",  "So",    "Similarly", "Also",  "Alternatively",
                           "Wait",      "Hmm",   "But",   "However",   "Hence", "Another",
                           "Oh",        "Maybe", "Other", "Again",     "Now",   "Ah",
                           "Any",       "Specifically"};
    std::vector<std::string> capital, lower;
    for (const char* w : words) {
      std::string word = w;
      std::string low = word;
      low[0] = static_cast<char>(low[0] - 'A' + 'a');
      // "So" bare would fire on every "So..." word start and inside "Sometimes" under substring
      // matching; the reference lists it as `So,` and `So ` instead.
      if (word == "So") {
        capital.insert(capital.end(), {"So,", "So "});
        lower.insert(lower.end(), {"so,", "so "});
      } else {
        capital.insert(capital.end(), {word, word + ","});
        lower.insert(lower.end(), {low, low + ","});
      }
    }
    std::vector<std::string> all = capital;
    all.insert(all.end(), lower.begin(), lower.end());
    all.insert(all.end(), {"check", "double-check", "verify", "then", "then,", "Then", "Then,",
                           "next", "next,", "Next", "Next,"});
    return all;
  }();
  return cues;
}

std::vector<std::string> CueProfile::Selected() const {
  std::vector<std::string> out;
  for (const CueStat& c : cues) {
    if (c.selected) out.push_back(c.cue);
  }
  return out;
}

std::string CueProfileToJson(const CueProfile& p) {
  nlohmann::ordered_json j;
  j["large"] = p.large;
  j["small"] = p.small;
  j["calibration_set"] = p.calibration_set;
  j["seed"] = p.seed;
  j["samples"] = p.samples;
  j["traces"] = p.traces;
  j["match"] = p.match;
  j["min_occurrences"] = p.min_occurrences;
  j["rule"] = p.rule;
  j["global_tokens"] = p.global_tokens;
  j["global_mean"] = p.global_mean;
  j["selected"] = p.Selected();
  nlohmann::ordered_json cues = nlohmann::ordered_json::array();
  for (const CueStat& c : p.cues) {
    nlohmann::ordered_json e;
    e["cue"] = c.cue;
    e["selected"] = c.selected;
    e["occurrences"] = c.occurrences;
    e["tokens"] = c.tokens;
    e["regions"] = c.regions;
    e["mean"] = c.mean;
    e["std"] = c.std;
    e["se"] = c.se;
    cues.push_back(std::move(e));
  }
  j["cues"] = std::move(cues);
  return j.dump(2) + "\n";
}

SelectionRule SelectionRule::Parse(const std::string& text) {
  SelectionRule r;
  if (text == "mean") return r;
  r.pooled_mean = false;
  if (text == "min") return r;
  const std::string prefix = "quantile:";
  if (text.rfind(prefix, 0) == 0) {
    try {
      size_t used = 0;
      r.quantile = std::stod(text.substr(prefix.size()), &used);
      if (used == text.size() - prefix.size() && r.quantile >= 0 && r.quantile <= 1) return r;
    } catch (const std::exception&) {
    }
  }
  throw Error("selection rule must be mean, min or quantile:Q with 0 <= Q <= 1 (got '" + text + "')");
}

std::string SelectionRule::ToString() const {
  if (pooled_mean) return "mean";
  if (quantile == 0) return "min";
  std::ostringstream s;
  s << "quantile:" << quantile;
  return s.str();
}

CueProfile CueProfileFromJson(const std::string& text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("cues") || !j["cues"].is_array()) {
    throw Error(origin + ": not a cue profile (expected an object with a \"cues\" array)");
  }
  CueProfile p;
  try {
    p.large = j.value("large", "");
    p.small = j.value("small", "");
    p.calibration_set = j.value("calibration_set", "");
    p.seed = j.value("seed", uint64_t{0});
    p.samples = j.value("samples", 0);
    p.traces = j.value("traces", 0);
    p.match = j.value("match", "word-boundary");
    p.min_occurrences = j.value("min_occurrences", 1);
    p.rule = SelectionRule::Parse(j.value("rule", "mean")).ToString();
    p.global_tokens = j.value("global_tokens", 0LL);
    p.global_mean = j.value("global_mean", 0.0);
    std::set<std::string> seen;
    for (const auto& e : j["cues"]) {
      CueStat c;
      if (e.is_string()) {  // a bare list of cues: all selected
        c.cue = e.get<std::string>();
        c.selected = true;
      } else {
        c.cue = e.at("cue").get<std::string>();
        c.selected = e.at("selected").get<bool>();
        c.occurrences = e.value("occurrences", 0);
        c.tokens = e.value("tokens", 0);
        c.regions = e.value("regions", 0);
        c.mean = e.value("mean", 0.0);
        c.std = e.value("std", 0.0);
        c.se = e.value("se", 0.0);
      }
      if (c.cue.empty()) throw Error(origin + ": empty cue string");
      if (!seen.insert(c.cue).second) throw Error(origin + ": duplicate cue \"" + c.cue + "\"");
      p.cues.push_back(std::move(c));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": malformed cue entry: " + e.what());
  }
  return p;
}

CueProfile LoadCueProfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read cue profile " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return CueProfileFromJson(ss.str(), path);
}

void SaveCueProfile(const CueProfile& profile, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write cue profile " + path);
  out << CueProfileToJson(profile);
  if (!out.flush()) throw Error("cannot write cue profile " + path);
}

}  // namespace relaygen
