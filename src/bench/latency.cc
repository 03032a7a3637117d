#include "bench/latency.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "util/error.h"

namespace relaygen {
namespace {

// Σ decode ms / Σ tokens over one single-model policy's runs.
double MsPerToken(const std::vector<TimedRun>& runs, const std::string& policy) {
  double ms = 0, tokens = 0;
  for (const TimedRun& r : runs) {
    if (r.policy != policy) continue;
    ms += policy == "large" ? r.large_decode_ms : r.small_decode_ms;
    tokens += policy == "large" ? r.large_tokens : r.small_tokens;
  }
  if (tokens == 0) throw Error("the benchmark needs '" + policy + "' runs that generate tokens");
  return ms / tokens;
}

// Mean wall time per problem index for one policy.
std::map<int, double> MeanWallByProblem(const std::vector<TimedRun>& runs, const std::string& policy) {
  std::map<int, std::pair<double, int>> acc;
  for (const TimedRun& r : runs) {
    if (r.policy != policy) continue;
    acc[r.problem].first += r.wall_ms;
    acc[r.problem].second += 1;
  }
  std::map<int, double> mean;
  for (const auto& [problem, sum] : acc) mean[problem] = sum.first / sum.second;
  return mean;
}

}  // namespace

std::vector<PolicySummary> SummarizeLatency(const std::vector<TimedRun>& runs,
                                            const std::vector<std::string>& policies) {
  const double large_ms = MsPerToken(runs, "large");
  const double small_ms = MsPerToken(runs, "small");
  const std::map<int, double> reference = MeanWallByProblem(runs, "large");
  std::vector<PolicySummary> rows;
  for (const std::string& policy : policies) {
    PolicySummary row;
    row.policy = policy;
    row.large_ms_per_token = large_ms;
    row.small_ms_per_token = small_ms;
    double large_tokens = 0, all_tokens = 0, ideal = 0, wall = 0, correct = 0, switches = 0, handoff = 0;
    double handoff_ms = 0, large_decode = 0, small_decode = 0;
    for (const TimedRun& r : runs) {
      if (r.policy != policy) continue;
      ++row.runs;
      large_tokens += r.large_tokens;
      all_tokens += r.large_tokens + r.small_tokens;
      ideal += r.prompt_prefill_ms + r.large_tokens * large_ms + r.small_tokens * small_ms;
      wall += r.wall_ms;
      correct += r.correct;
      switches += r.switches;
      handoff += r.handoff_prefill_tokens;
      handoff_ms += r.wall_ms - r.prompt_prefill_ms - r.large_decode_ms - r.small_decode_ms;
      large_decode += r.large_decode_ms;
      small_decode += r.small_decode_ms;
      row.spec += r.spec;
    }
    if (row.runs == 0) throw Error("no benchmark runs of policy '" + policy + "'");
    row.large_utilization = all_tokens > 0 ? large_tokens / all_tokens : 0;
    row.efficiency = wall > 0 ? ideal / wall : 0;
    row.pass1 = correct / row.runs;
    row.mean_wall_ms = wall / row.runs;
    row.switches = switches / row.runs;
    row.handoff_prefill_per_switch = switches > 0 ? handoff / switches : 0;
    row.handoff_ms_per_switch = switches > 0 ? handoff_ms / switches : 0;
    const double small_tokens = all_tokens - large_tokens;
    row.large_ms_per_token_here = large_tokens > 0 ? large_decode / large_tokens : 0;
    row.small_ms_per_token_here = small_tokens > 0 ? small_decode / small_tokens : 0;
    if (wall > 0) {
      row.handoff_loss = handoff_ms / wall;
      row.token_loss = (large_decode - large_tokens * large_ms + small_decode - small_tokens * small_ms) / wall;
    }
    std::vector<double> speedups;
    for (const auto& [problem, mean_wall] : MeanWallByProblem(runs, policy)) {
      auto it = reference.find(problem);
      if (it == reference.end()) throw Error("no large-only run of benchmark problem " + std::to_string(problem));
      speedups.push_back(it->second / mean_wall);
    }
    double sum = 0, sq = 0;
    for (double s : speedups) sum += s;
    row.speedup = sum / speedups.size();
    for (double s : speedups) sq += (s - row.speedup) * (s - row.speedup);
    row.speedup_std = std::sqrt(sq / speedups.size());
    rows.push_back(row);
  }
  return rows;
}

std::string LatencyTable(const std::vector<PolicySummary>& rows) {
  std::string out =
      "| policy | runs | speed-up vs large | large utilization % | relay efficiency | lost at handoffs % | lost to dearer tokens % | pass@1 % | mean wall ms | switches / run | handoff prefill tokens / switch | handoff ms / switch |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  char line[320];
  for (const PolicySummary& r : rows) {
    std::snprintf(line, sizeof(line),
                  "| %s | %d | %.2f ± %.2f | %.1f | %.3f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |\n",
                  r.policy.c_str(), r.runs, r.speedup, r.speedup_std, 100 * r.large_utilization, r.efficiency,
                  100 * r.handoff_loss, 100 * r.token_loss, 100 * r.pass1, r.mean_wall_ms, r.switches,
                  r.handoff_prefill_per_switch, r.handoff_ms_per_switch);
    out += line;
  }
  bool spec = false;
  for (const PolicySummary& r : rows) spec |= r.spec.batches > 0;
  if (spec) {
    out += "\n| policy | drafted / run | accepted / run | acceptance % | verify batches / run | tokens / verify batch |\n"
           "|---|---|---|---|---|---|\n";
    for (const PolicySummary& r : rows) {
      if (r.spec.batches == 0) continue;
      std::snprintf(line, sizeof(line), "| %s | %.1f | %.1f | %.1f | %.1f | %.2f |\n", r.policy.c_str(),
                    static_cast<double>(r.spec.drafted) / r.runs, static_cast<double>(r.spec.accepted) / r.runs,
                    100 * r.spec.acceptance(), static_cast<double>(r.spec.batches) / r.runs,
                    1.0 + static_cast<double>(r.spec.accepted) / r.spec.batches);
      out += line;
    }
  }
  if (!rows.empty()) {
    std::snprintf(line, sizeof(line), "\nlarge model %.4f ms/token, small model %.4f ms/token (%.2f× faster)\n",
                  rows[0].large_ms_per_token, rows[0].small_ms_per_token,
                  rows[0].large_ms_per_token / rows[0].small_ms_per_token);
    out += line;
  }
  return out;
}

}  // namespace relaygen
