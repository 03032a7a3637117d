#include "engine/server_dialect.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace relaygen {
namespace {

using Json = nlohmann::json;

// Bytes of a llama-server token: "bytes" (exact, also for pieces that are not valid UTF-8) or
// else "token".
std::string PieceOf(const Json& j) {
  if (j.contains("bytes") && j["bytes"].is_array()) {
    std::string s;
    for (const Json& b : j["bytes"]) s.push_back(static_cast<char>(b.get<int>()));
    return s;
  }
  return j.value("token", std::string());
}

// vLLM/SGLang with return_tokens_as_token_ids write tokens as "token_id:123".
Token TokenIdOf(const std::string& s) {
  static const std::string kPrefix = "token_id:";
  if (s.rfind(kPrefix, 0) != 0) throw Error("server sent token '" + s + "' without its id (return_tokens_as_token_ids)");
  return static_cast<Token>(std::stol(s.substr(kPrefix.size())));
}

Json LlamaCompletion(const CompletionRequest& r) {
  const Sampling& s = r.sampling;
  // Every sampling field is explicit: llama-server fills omitted ones from its command line and
  // the model's config (min_p 0.05, repeat penalties, DRY, ...), which the embedded engine does not
  // apply. The sampler chain is the embedded engine's: top-k, top-p, temperature, then the draw.
  Json body = {{"prompt", r.prompt_text.empty() ? Json(r.prompt) : Json(r.prompt_text)},
               {"n_predict", r.max_tokens},
               {"stream", r.max_tokens > 0},
               {"cache_prompt", true},
               {"id_slot", r.slot},
               {"n_probs", r.n_top},
               {"post_sampling_probs", false},
               {"temperature", s.temperature},
               {"top_k", s.temperature > 0 ? s.top_k : 1},
               {"top_p", s.temperature > 0 ? s.top_p : 1.0f},
               {"min_p", 0.0},
               {"typical_p", 1.0},
               {"top_n_sigma", -1.0},
               {"xtc_probability", 0.0},
               {"dynatemp_range", 0.0},
               {"repeat_penalty", 1.0},
               {"repeat_last_n", 0},
               {"presence_penalty", 0.0},
               {"frequency_penalty", 0.0},
               {"dry_multiplier", 0.0},
               {"mirostat", 0},
               {"min_keep", 0},
               {"ignore_eos", s.ignore_eos},
               {"samplers", Json::array({"top_k", "top_p", "temperature"})},
               {"seed", static_cast<uint32_t>(s.seed ^ (s.seed >> 32))},
               {"stop", Json::array()},
               {"response_fields", Json::array({"stop", "stop_type", "tokens_predicted", "tokens_evaluated",
                                                "timings", "id_slot", "truncated"})}};
  return body;
}

Json OpenAiCompletion(ServerKind kind, const CompletionRequest& r) {
  const Sampling& s = r.sampling;
  Json body = {{"prompt", r.prompt_text.empty() ? Json(r.prompt) : Json(r.prompt_text)},
               {"max_tokens", r.max_tokens},
               {"stream", true},
               {"stream_options", {{"include_usage", true}, {"continuous_usage_stats", true}}},
               {"temperature", s.temperature},
               {"top_p", s.temperature > 0 ? s.top_p : 1.0f},
               {"top_k", s.temperature > 0 && s.top_k > 0 ? s.top_k : -1},
               {"min_p", 0.0},
               {"presence_penalty", 0.0},
               {"frequency_penalty", 0.0},
               {"repetition_penalty", 1.0},
               {"seed", s.seed & 0x7fffffffffffffffull},
               {"n", 1},
               {"ignore_eos", s.ignore_eos},
               {"skip_special_tokens", false},
               {"spaces_between_special_tokens", false},
               {"return_tokens_as_token_ids", true}};
  if (!r.model.empty()) body["model"] = r.model;
  if (r.n_top > 0) body["logprobs"] = r.n_top;
  if (kind == ServerKind::kSglang) body["no_stop_trim"] = true;
  else body["include_stop_str_in_output"] = true;
  return body;
}

StreamEvent ReadLlamaEvent(const Json& j) {
  StreamEvent e;
  if (!j.is_object() || !j.contains("stop")) throw Error("llama-server event without \"stop\": " + j.dump().substr(0, 200));
  e.finished = j["stop"].get<bool>();
  if (j.contains("tokens_predicted")) e.predicted = j["tokens_predicted"].get<int>();
  if (j.contains("tokens_evaluated")) e.prompt_tokens = j["tokens_evaluated"].get<int>();
  if (j.contains("timings") && j["timings"].is_object() && j["timings"].contains("cache_n")) {
    e.cached_tokens = j["timings"]["cache_n"].get<int>();
  }
  if (e.finished) {
    e.end_of_generation = j.value("stop_type", std::string()) == "eos";
    return e;  // in stream mode the final event repeats no text or tokens
  }
  const Json& tokens = j.value("tokens", Json::array());
  const Json probs = j.value("completion_probabilities", Json::array());
  const std::string content = j.value("content", std::string());
  if (tokens.empty()) return e;
  if (tokens.size() != 1) throw Error("llama-server streamed " + std::to_string(tokens.size()) + " tokens in one event");
  StreamEvent::Item item;
  item.token = tokens[0].get<Token>();
  item.piece = content;
  if (!probs.empty()) {
    const Json& p = probs[0];
    // The sampled token's own bytes; `content` may also hold bytes held back from earlier tokens.
    for (const Json& c : p.value("top_logprobs", Json::array())) {
      item.top.push_back({c.at("id").get<Token>(), PieceOf(c), static_cast<float>(std::exp(c.at("logprob").get<double>()))});
    }
  }
  e.tokens.push_back(std::move(item));
  return e;
}

StreamEvent ReadOpenAiEvent(ServerKind kind, const Json& j) {
  StreamEvent e;
  if (!j.is_object()) throw Error("server event is not an object: " + j.dump().substr(0, 200));
  if (j.contains("usage") && j["usage"].is_object()) {
    const Json& u = j["usage"];
    if (u.contains("prompt_tokens")) e.prompt_tokens = u["prompt_tokens"].get<int>();
    if (u.contains("completion_tokens")) e.predicted = u["completion_tokens"].get<int>();
    if (u.contains("prompt_tokens_details") && u["prompt_tokens_details"].is_object() &&
        u["prompt_tokens_details"].contains("cached_tokens") && !u["prompt_tokens_details"]["cached_tokens"].is_null()) {
      e.cached_tokens = u["prompt_tokens_details"]["cached_tokens"].get<int>();
    }
  }
  if (kind == ServerKind::kSglang && j.contains("meta_info") && j["meta_info"].contains("cached_tokens")) {
    e.cached_tokens = j["meta_info"]["cached_tokens"].get<int>();
  }
  const Json choices = j.value("choices", Json::array());
  if (choices.empty()) return e;  // the usage-only chunk
  const Json& c = choices[0];
  const std::string text = c.value("text", std::string());
  if (c.contains("logprobs") && c["logprobs"].is_object()) {
    const Json& lp = c["logprobs"];
    const Json& toks = lp.value("tokens", Json::array());
    const Json& tops = lp.value("top_logprobs", Json::array());
    const Json& offsets = lp.value("text_offset", Json::array());
    for (size_t i = 0; i < toks.size(); ++i) {
      StreamEvent::Item item;
      item.token = TokenIdOf(toks[i].get<std::string>());
      // One token per chunk is the norm; with several, text_offset splits the chunk's text.
      if (toks.size() == 1) {
        item.piece = text;
      } else if (offsets.size() == toks.size()) {
        const size_t base = offsets[0].get<size_t>();
        const size_t b = offsets[i].get<size_t>() - base;
        const size_t end = i + 1 < toks.size() ? offsets[i + 1].get<size_t>() - base : text.size();
        item.piece = text.substr(std::min(b, text.size()), end - std::min(b, end));
      } else {
        throw Error("server streamed several tokens in one chunk without text_offset");
      }
      if (i < tops.size() && tops[i].is_object()) {
        for (const auto& [key, value] : tops[i].items()) {
          item.top.push_back({TokenIdOf(key), "", static_cast<float>(std::exp(value.get<double>()))});
        }
        std::sort(item.top.begin(), item.top.end(), [](const Candidate& a, const Candidate& b) { return a.p > b.p; });
      }
      e.tokens.push_back(std::move(item));
    }
  } else if (!text.empty()) {
    throw Error("server streamed text without token ids (does it support logprobs?)");
  }
  if (c.contains("finish_reason") && !c["finish_reason"].is_null()) {
    e.finished = true;
    const std::string reason = c["finish_reason"].get<std::string>();
    // No stop strings are sent, so "stop" means an end-of-generation token (vLLM: stop_reason null;
    // SGLang: matched_stop is the token id). The servers leave its text out; its id, if streamed,
    // is the event's last token with empty text.
    e.end_of_generation = reason == "stop";
    if (e.end_of_generation && !e.tokens.empty() && e.tokens.back().piece.empty()) e.tokens.pop_back();
  }
  return e;
}

}  // namespace

const char* ToString(ServerKind kind) {
  switch (kind) {
    case ServerKind::kLlama: return "llama";
    case ServerKind::kVllm: return "vllm";
    case ServerKind::kSglang: return "sglang";
  }
  return "?";
}

ServerKind ParseServerKind(const std::string& name) {
  if (name == "llama" || name == "llama-server" || name == "llama.cpp") return ServerKind::kLlama;
  if (name == "vllm") return ServerKind::kVllm;
  if (name == "sglang") return ServerKind::kSglang;
  throw Error("unknown server kind '" + name + "' (llama, vllm or sglang)");
}

WireCall WriteCompletion(ServerKind kind, const CompletionRequest& request) {
  if (request.prompt.empty() && request.prompt_text.empty()) throw Error("cannot send an empty prompt");
  if (request.max_tokens < 0) throw Error("max_tokens must not be negative");
  if (kind == ServerKind::kLlama) return {"/completion", LlamaCompletion(request)};
  if (request.max_tokens == 0) throw Error(std::string(ToString(kind)) + " cannot evaluate a prompt without generating");
  return {"/v1/completions", OpenAiCompletion(kind, request)};
}

StreamEvent ReadStreamEvent(ServerKind kind, const Json& event) {
  try {
    return kind == ServerKind::kLlama ? ReadLlamaEvent(event) : ReadOpenAiEvent(kind, event);
  } catch (const Json::exception& e) {
    throw Error(std::string(ToString(kind)) + " event of an unexpected shape (" + e.what() + "): " +
                event.dump().substr(0, 200));
  }
}

float MarginOf(const std::vector<Candidate>& top) {
  if (top.empty()) return 0.0f;
  return top[0].p - (top.size() > 1 ? top[1].p : 0.0f);
}

}  // namespace relaygen
