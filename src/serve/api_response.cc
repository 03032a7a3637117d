#include "serve/api_response.h"

namespace relaygen {
namespace {

using nlohmann::ordered_json;

ordered_json Head(const ResponseHeader& h, bool chunk) {
  return {{"id", h.id},
          {"object", h.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", h.created},
          {"model", h.model}};
}

}  // namespace

std::string Dump(const ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ordered_json UsageJson(const std::string& policy, const GenerationResult& r) {
  const RunStats& s = r.stats;
  return {{"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"total_tokens", r.prompt_tokens + r.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", r.cached_tokens}}},
          {"relaygen",
           {{"policy", policy},
            {"large_tokens", s.large_tokens},
            {"small_tokens", s.small_tokens},
            {"switches", s.switches_l_to_s + s.switches_s_to_l},
            {"large_utilization", s.large_utilization},
            {"handoff_prefill_tokens", s.handoff_prefill_tokens},
            {"ahead_prefill_tokens", s.ahead_prefill_tokens},
            {"wall_ms", s.wall_ms}}}};
}

ordered_json ResponseJson(const ResponseHeader& h, const std::string& policy, const GenerationResult& r) {
  ordered_json out = Head(h, false);
  ordered_json choice = {{"index", 0}};
  if (h.chat) {
    ordered_json message = {{"role", "assistant"}, {"content", r.content}};
    if (!r.reasoning.empty()) {
      // vLLM's field name, and the one DeepSeek's API and most clients read.
      message["reasoning_content"] = r.reasoning;
      message["reasoning"] = r.reasoning;
    }
    choice["message"] = std::move(message);
  } else {
    choice["text"] = r.content;
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = r.finish_reason;
  out["choices"] = ordered_json::array({std::move(choice)});
  out["usage"] = UsageJson(policy, r);
  return out;
}

ordered_json DeltaChunk(const ResponseHeader& h, const OutputDelta& d, bool first) {
  ordered_json out = Head(h, true);
  ordered_json choice = {{"index", 0}};
  if (h.chat) {
    ordered_json delta = ordered_json::object();
    if (first) delta["role"] = "assistant";
    if (d.reasoning) {
      delta["reasoning_content"] = d.text;
      delta["reasoning"] = d.text;
    } else {
      delta["content"] = d.text;
    }
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = d.text;
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = nullptr;
  out["choices"] = ordered_json::array({std::move(choice)});
  // Who wrote this piece: what a client that wants to see the relay looks at.
  out["relaygen"] = {{"writer", ToString(d.writer)}};
  return out;
}

ordered_json FinishChunk(const ResponseHeader& h, const std::string& finish_reason) {
  ordered_json out = Head(h, true);
  ordered_json choice = {{"index", 0}};
  if (h.chat) {
    choice["delta"] = ordered_json::object();
  } else {
    choice["text"] = "";
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_reason;
  out["choices"] = ordered_json::array({std::move(choice)});
  return out;
}

ordered_json UsageChunk(const ResponseHeader& h, const std::string& policy, const GenerationResult& r) {
  ordered_json out = Head(h, true);
  out["choices"] = ordered_json::array();
  out["usage"] = UsageJson(policy, r);
  return out;
}

ordered_json ErrorJson(int status, const std::string& type, const std::string& param, const std::string& message) {
  return {{"error",
           {{"message", message},
            {"type", type},
            {"param", param.empty() ? ordered_json(nullptr) : ordered_json(param)},
            {"code", status}}}};
}

}  // namespace relaygen
