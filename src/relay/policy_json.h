// The JSON form of a PolicyResult, shared by `relaygen relay --json` and run files.
#ifndef RELAYGEN_RELAY_POLICY_JSON_H_
#define RELAYGEN_RELAY_POLICY_JSON_H_

#include <nlohmann/json.hpp>

#include "relay/policy.h"

namespace relaygen {

// {large_tokens, small_tokens, switches_l_to_s, switches_s_to_l, large_utilization, wall_ms,
//  handoff_prefill_tokens, prompt_prefill_ms, discarded_tokens}
nlohmann::ordered_json RunStatsToJson(const RunStats& stats);
// [{writer, answer, text, tokens, ended_by, prefill_tokens, prefill_ms, decode_ms[, inserted]}]
nlohmann::ordered_json SegmentsToJson(const std::vector<SegmentRecord>& segments);
// {text, answer, policy, stats, segments}
nlohmann::ordered_json PolicyResultToJson(const std::string& policy, const PolicyResult& result);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_POLICY_JSON_H_
