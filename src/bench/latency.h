// The paper's latency protocol (SPEC §5), as numbers: per policy, the speed-up over large-only
// (mean ± std over problems), large-model utilization, pass@1, and the relay efficiency — how close
// a policy's wall time comes to the ideal computed from each model's own speed.
#ifndef RELAYGEN_BENCH_LATENCY_H_
#define RELAYGEN_BENCH_LATENCY_H_

#include <string>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

// One timed request.
struct TimedRun {
  std::string policy;
  int problem = 0;  // index of the problem in the benchmark
  double wall_ms = 0;
  double prompt_prefill_ms = 0;  // the first model's prefill of the prompt
  int large_tokens = 0;
  int small_tokens = 0;
  double large_decode_ms = 0;    // decode time of the large model's segments
  double small_decode_ms = 0;
  int switches = 0;                // both ways
  int handoff_prefill_tokens = 0;  // prefilled at handoffs, on the critical path
  bool correct = false;
  SpecStats spec;  // speculative decoding (+spec policies)
};

struct PolicySummary {
  std::string policy;
  int runs = 0;
  double speedup = 0;      // mean over problems of (mean large-only wall) / (mean policy wall)
  double speedup_std = 0;  // population std over problems
  double large_utilization = 0;  // Σ large tokens / Σ tokens
  double efficiency = 0;   // Σ ideal / Σ wall
  double pass1 = 0;
  double mean_wall_ms = 0;
  double large_ms_per_token = 0;  // from the large-only runs (the same for every row)
  double small_ms_per_token = 0;  // from the small-only runs
  double switches = 0;            // mean per run
  double handoff_prefill_per_switch = 0;  // Σ handoff prefill tokens / Σ switches (0 without switches)
  // Where the time over the ideal goes; efficiency = 1 − handoff_loss − token_loss exactly.
  // handoff_loss: Σ (wall − prompt prefill − decode time of all segments) / Σ wall — prefill at
  // handoffs and waiting for the background reader; token_loss: Σ (decode time − tokens × the
  // model's own ms/token) / Σ wall — tokens that cost more here than in the single-model runs
  // (a deeper context, the other model computing at the same time). Either may be negative.
  double handoff_loss = 0;
  double token_loss = 0;
  double handoff_ms_per_switch = 0;  // Σ handoff time / Σ switches (0 without switches)
  double large_ms_per_token_here = 0;  // Σ large decode ms / Σ large tokens in this policy's runs
  double small_ms_per_token_here = 0;
  SpecStats spec;  // summed over the policy's runs
};

// Summarises runs of several policies. Needs runs of "large" and "small" (each model's own
// ms/token: Σ decode ms / Σ tokens of its single-model runs) and "large" on every problem (the
// speed-up reference). Throws relaygen::Error otherwise. Rows follow the order of `policies`.
// ideal(run) = prompt_prefill_ms + large_tokens × large ms/token + small_tokens × small ms/token.
std::vector<PolicySummary> SummarizeLatency(const std::vector<TimedRun>& runs,
                                            const std::vector<std::string>& policies);

// A markdown table of the summaries; with a +spec policy, a second one of its drafts: drafted and
// accepted tokens per run, acceptance rate and tokens per verify batch (accepted + the target's own).
std::string LatencyTable(const std::vector<PolicySummary>& rows);

}  // namespace relaygen

#endif  // RELAYGEN_BENCH_LATENCY_H_
