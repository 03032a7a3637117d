// What relaygen serve counts, in Prometheus' text format (GET /metrics): requests by policy and
// status, tokens by model, switches, handoff prefill, and latency histograms.
#ifndef RELAYGEN_SERVE_METRICS_H_
#define RELAYGEN_SERVE_METRICS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "relay/policy.h"

namespace relaygen {

// Cumulative buckets of a latency in seconds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double seconds);
  // `name`_bucket{le=...}, `name`_sum, `name`_count.
  std::string Render(const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // one per bound, plus +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();

  // A request finished with HTTP `status` (200 for every generation that ran, whatever its end).
  void RequestDone(const std::string& policy, int status);
  // A generation's statistics, time to its first output and its total time.
  void GenerationDone(const RunStats& stats, double first_output_s, double total_s);
  void RequestQueued(int delta);   // +1 on arrival at a full server, -1 when it gets a slot
  void RequestRunning(int delta);  // +1 when it gets a slot, -1 when done

  // Extra gauge/counter lines computed elsewhere (the batched decodes' counters).
  using Extra = std::vector<std::string>;
  std::string Render(const Extra& extra = {}) const;

 private:
  mutable std::mutex mu_;  // guards everything below
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (policy, status) -> count
  uint64_t large_tokens_ = 0;
  uint64_t small_tokens_ = 0;
  uint64_t switches_ = 0;
  uint64_t handoff_prefill_tokens_ = 0;
  uint64_t ahead_prefill_tokens_ = 0;
  int queued_ = 0;
  int running_ = 0;
  Histogram first_output_;
  Histogram latency_;
};

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_METRICS_H_
