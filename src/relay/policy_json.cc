#include "relay/policy_json.h"

namespace relaygen {

nlohmann::ordered_json RunStatsToJson(const RunStats& s) {
  nlohmann::ordered_json j;
  j["large_tokens"] = s.large_tokens;
  j["small_tokens"] = s.small_tokens;
  j["switches_l_to_s"] = s.switches_l_to_s;
  j["switches_s_to_l"] = s.switches_s_to_l;
  j["large_utilization"] = s.large_utilization;
  j["wall_ms"] = s.wall_ms;
  j["handoff_prefill_tokens"] = s.handoff_prefill_tokens;
  j["ahead_prefill_tokens"] = s.ahead_prefill_tokens;
  j["ahead_prefill_ms"] = s.ahead_prefill_ms;
  j["deferred_lookaheads"] = s.deferred_lookaheads;
  j["prompt_prefill_ms"] = s.prompt_prefill_ms;
  j["discarded_tokens"] = s.discarded_tokens;
  j["spec_drafted"] = s.spec.drafted;
  j["spec_accepted"] = s.spec.accepted;
  j["spec_acceptance"] = s.spec.acceptance();
  j["spec_batches"] = s.spec.batches;
  return j;
}

nlohmann::ordered_json SegmentsToJson(const std::vector<SegmentRecord>& segments) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const SegmentRecord& s : segments) {
    nlohmann::ordered_json j;
    j["writer"] = ToString(s.writer);
    j["answer"] = s.answer;
    j["text"] = s.text;
    j["tokens"] = s.tokens;
    j["ended_by"] = s.ended_by;
    j["prefill_tokens"] = s.prefill_tokens;
    j["prefill_ms"] = s.prefill_ms;
    j["decode_ms"] = s.decode_ms;
    if (s.inserted) j["inserted"] = true;
    if (s.spec.batches > 0) {
      j["spec"] = {{"drafted", s.spec.drafted}, {"accepted", s.spec.accepted},
                   {"acceptance", s.spec.acceptance()}, {"batches", s.spec.batches}};
    }
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::ordered_json PolicyResultToJson(const std::string& policy, const PolicyResult& r) {
  nlohmann::ordered_json j;
  j["text"] = r.text;
  j["answer"] = AnswerText(r);
  j["policy"] = policy;
  j["stats"] = RunStatsToJson(r.stats);
  j["segments"] = SegmentsToJson(r.segments);
  return j;
}

}  // namespace relaygen
