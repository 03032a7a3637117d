#include "relay/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "relay/policy.h"
#include "relay/run_recorder.h"
#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {
namespace {

const std::string kThinkStart = "<think>";

// Generated text can end inside a character (budget) or, from an untrained model, hold bytes
// that are no UTF-8 at all. Traces must be valid text to be stored as JSON and scored, and both
// the fresh and the reloaded path must see the same text: cut an unfinished character, replace
// invalid bytes with U+FFFD.
std::string ValidUtf8(const std::string& text) {
  std::string in = text.substr(0, CompleteUtf8Prefix(text));
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t bad = pos + FirstInvalidUtf8(std::string_view(in).substr(pos));
    out.append(in, pos, bad - pos);
    if (bad >= in.size()) break;
    out += "\xEF\xBF\xBD";
    pos = bad + 1;
  }
  return out;
}

}  // namespace

std::vector<CalibrationProblem> LoadCalibrationProblems(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read problems " + path);
  std::vector<CalibrationProblem> problems;
  std::string line;
  int index = 0;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw Error(where + ": expected a JSON object");
    CalibrationProblem p;
    if (j.contains("id") && j["id"].is_string()) {
      p.id = j["id"].get<std::string>();
    } else if (j.contains("id") && j["id"].is_number_integer()) {
      p.id = std::to_string(j["id"].get<long long>());
    } else {
      p.id = std::to_string(index);
    }
    if (j.contains("prompt") && j["prompt"].is_string()) {
      p.prompt = j["prompt"].get<std::string>();
    } else {
      const char* key = j.contains("problem") ? "problem" : "question";
      if (!j.contains(key) || !j[key].is_string()) {
        throw Error(where + ": needs a \"prompt\", \"problem\" or \"question\" string");
      }
      p.prompt = j[key].get<std::string>() +
                 "\nPlease reason step by step, and put your final answer within \\boxed{}.";
    }
    if (p.prompt.empty()) throw Error(where + ": empty prompt");
    problems.push_back(std::move(p));
    ++index;
  }
  if (problems.empty()) throw Error(path + ": no problems");
  return problems;
}

namespace {

std::string TraceLine(const Trace& t) {
  nlohmann::ordered_json j;
  j["id"] = t.id;
  j["sample"] = t.sample;
  j["seed"] = t.seed;
  j["problem"] = t.problem;
  j["text"] = t.text;
  j["tokens"] = t.tokens;
  j["stop"] = t.stop;
  return j.dump() + "\n";
}

}  // namespace

void SaveTraces(const std::vector<Trace>& traces, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write traces " + tmp);
    for (const Trace& t : traces) out << TraceLine(t);
    if (!out.flush()) throw Error("cannot write traces " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error("cannot write traces " + path);
}

void AppendTrace(const Trace& trace, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out || !(out << TraceLine(trace)) || !out.flush()) throw Error("cannot append to traces " + path);
}

std::vector<Trace> ResumeTraces(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream all;
  all << in.rdbuf();
  in.close();
  const std::string text = all.str();
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete < text.size()) {
    // A write cut short: drop the partial line so appending continues on a clean line.
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text.substr(0, complete)) || !out.flush()) throw Error("cannot repair traces " + path);
  }
  if (complete == 0) return {};
  return LoadTraces(path);
}

std::vector<Trace> LoadTraces(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read traces " + path);
  std::vector<Trace> traces;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      Trace t;
      t.id = j.at("id").is_string() ? j.at("id").get<std::string>() : j.at("id").dump();
      t.sample = j.value("sample", 0);
      t.seed = j.value("seed", uint64_t{0});
      t.problem = j.at("problem").get<std::string>();
      t.text = j.at("text").get<std::string>();
      t.tokens = j.value("tokens", 0);
      t.stop = j.value("stop", "");
      traces.push_back(std::move(t));
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ":" + std::to_string(n) + ": not a trace: " + e.what());
    }
  }
  if (traces.empty()) throw Error(path + ": no traces");
  return traces;
}

uint64_t TraceSeed(uint64_t seed, size_t problem_index, int sample) {
  return MixSeed(MixSeed(seed) ^ MixSeed((static_cast<uint64_t>(problem_index) << 20) ^
                                         static_cast<uint64_t>(sample)));
}

std::vector<Trace> GenerateTraces(Model& large, const std::vector<CalibrationProblem>& problems,
                                  int samples, const Sampling& sampling, uint64_t seed,
                                  int max_tokens, const ProgressFn& progress,
                                  const std::vector<Trace>& done,
                                  const std::function<void(const Trace&)>& on_trace) {
  if (samples <= 0) throw Error("--samples must be positive");
  if (problems.empty()) throw Error("no calibration problems");
  auto session = large.NewSession();
  std::vector<Trace> traces;
  const int total = static_cast<int>(problems.size()) * samples;
  if (done.size() > static_cast<size_t>(total)) throw Error("more saved traces than this calibration makes");
  for (size_t i = 0; i < problems.size(); ++i) {
    const std::string prompt = large.RenderChat({{"user", problems[i].prompt}});
    for (int s = 0; s < samples; ++s) {
      if (traces.size() < done.size()) {
        const Trace& t = done[traces.size()];
        if (t.id != problems[i].id || t.sample != s || t.seed != TraceSeed(seed, i, s) ||
            t.problem != problems[i].prompt) {
          throw Error("the saved traces were made for other problems or another seed (trace " +
                      std::to_string(traces.size() + 1) + "); delete them to start over");
        }
        traces.push_back(t);
        continue;
      }
      Trace t;
      t.id = problems[i].id;
      t.sample = s;
      t.seed = TraceSeed(seed, i, s);
      t.problem = problems[i].prompt;
      SegmentRequest request;
      request.sampling = sampling;
      request.sampling.seed = t.seed;
      request.max_tokens = max_tokens;
      const Segment seg = session->Generate(prompt, request);
      t.text = ValidUtf8(seg.text);
      t.tokens = static_cast<int>(seg.tokens.size());
      t.stop = seg.stop_reason == StopReason::kEndOfGeneration ? "eos"
               : seg.context_full                              ? "context"
                                                               : "budget";
      if (on_trace) on_trace(t);
      traces.push_back(std::move(t));
      if (progress) progress("traces", static_cast<int>(traces.size()), total);
    }
  }
  return traces;
}

std::string ReasoningOf(const std::string& text) {
  const size_t end = text.find(kThinkEndTag);
  return end == std::string::npos ? text : text.substr(0, end);
}

size_t ThinkStartSize(const std::string& text) {
  return text.compare(0, kThinkStart.size(), kThinkStart) == 0 ? kThinkStart.size() : 0;
}

ScoredTrace ScoreTrace(Model& small, Session& session, const Trace& trace) {
  std::string context = small.RenderChat({{"user", trace.problem}});
  std::string reasoning = ReasoningOf(trace.text);
  // `<think>` is a marker, not reasoning: it joins the context so it is not pooled.
  const size_t marker = ThinkStartSize(reasoning);
  context += reasoning.substr(0, marker);
  reasoning.erase(0, marker);
  ScoredTrace out;
  if (reasoning.empty()) return out;
  const ScoreResult scored = session.Score(context, reasoning);
  for (const TokenScore& t : scored.tokens) {
    out.pieces.push_back(t.piece);
    out.margins.push_back(t.margin);
  }
  return out;
}

double RegionScore(std::vector<double> margins, const SelectionRule& rule) {
  if (margins.empty()) throw Error("internal: the score of an empty region");
  std::sort(margins.begin(), margins.end());
  return margins[static_cast<size_t>(rule.quantile * static_cast<double>(margins.size() - 1))];
}

bool IsSwitchCue(const CueStat& stat, long long values, double global_mean, int min_occurrences) {
  // μ_c ≥ μ + SE_c, with enough occurrences and at least one value to measure.
  return stat.occurrences >= min_occurrences && values > 0 && stat.mean >= global_mean + stat.se;
}

CueProfile ComputeCueProfile(const std::vector<ScoredTrace>& traces, const CalibrationOptions& options) {
  if (options.min_occurrences < 1) throw Error("--min-occurrences must be at least 1");
  CueProfile profile;
  profile.match = ToString(options.match);
  profile.min_occurrences = options.min_occurrences;

  // Sums in double, in trace order: deterministic.
  double global_sum = 0;
  long long global_n = 0;
  for (const ScoredTrace& t : traces) {
    if (t.pieces.size() != t.margins.size()) throw Error("internal: pieces and margins differ in length");
    for (float m : t.margins) global_sum += m;
    global_n += static_cast<long long>(t.margins.size());
  }
  if (global_n == 0) throw Error("calibration: the traces have no reasoning tokens to score");
  profile.global_tokens = global_n;
  profile.global_mean = global_sum / static_cast<double>(global_n);

  profile.rule = options.rule.ToString();
  for (const std::string& cue : options.candidates) {
    CueStat stat;
    stat.cue = cue;
    std::vector<double> pooled;    // the margins of all region tokens (mean rule)
    std::vector<double> per_region;  // one quantile per non-empty region (quantile rules)
    for (const ScoredTrace& t : traces) {
      const CueRegions regions = FindCueRegions(t.pieces, cue, options.match);
      stat.occurrences += regions.occurrences;
      for (int i : regions.tokens) pooled.push_back(t.margins[i]);
      for (const auto& [first, end] : regions.spans) {
        if (first >= end) continue;
        per_region.push_back(RegionScore({t.margins.begin() + first, t.margins.begin() + end}, options.rule));
      }
    }
    stat.tokens = static_cast<int>(pooled.size());
    stat.regions = static_cast<int>(per_region.size());
    const std::vector<double>& values = options.rule.pooled_mean ? pooled : per_region;
    if (!values.empty()) {
      // Two passes: no cancellation in the variance. Population std, as numpy's default.
      const double n = static_cast<double>(values.size());
      double sum = 0;
      for (double m : values) sum += m;
      stat.mean = sum / n;
      double sq = 0;
      for (double m : values) sq += (m - stat.mean) * (m - stat.mean);
      stat.std = std::sqrt(sq / n);
      stat.se = stat.std / std::sqrt(n);
    }
    stat.selected = IsSwitchCue(stat, static_cast<long long>(values.size()), profile.global_mean,
                                options.min_occurrences);
    profile.cues.push_back(std::move(stat));
  }
  return profile;
}

}  // namespace relaygen
