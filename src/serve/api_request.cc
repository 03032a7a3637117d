#include "serve/api_request.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace relaygen {
namespace {

using nlohmann::json;

constexpr char kModelPrefix[] = "relaygen";

[[noreturn]] void Invalid(const std::string& param, const std::string& message) {
  throw ApiError(400, "invalid_request_error", param, message);
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string NamesOf(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + (n.empty() ? "(default)" : n);
  return out;
}

// A number field in [lo, hi], or `fallback` when absent or null.
double Number(const json& body, const char* key, double lo, double hi, double fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number()) Invalid(key, std::string("'") + key + "' must be a number");
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    Invalid(key, std::string("'") + key + "' must be between " + json(lo).dump() + " and " + json(hi).dump());
  }
  return v;
}

// An integer field in [lo, hi], or `fallback` when absent or null.
int64_t Integer(const json& body, const char* key, int64_t lo, int64_t hi, int64_t fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) Invalid(key, std::string("'") + key + "' must be an integer");
  // nlohmann keeps non-negative integers unsigned: one above INT64_MAX must not wrap around.
  const bool too_big = it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(hi);
  if (too_big || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
    Invalid(key, std::string("'") + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return it->get<int64_t>();
}

bool Boolean(const json& body, const char* key, bool fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) Invalid(key, std::string("'") + key + "' must be true or false");
  return it->get<bool>();
}

// A message's content: a string, or OpenAI's array of parts of which only text parts are taken.
std::string Content(const json& content, const std::string& param) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return "";
  if (!content.is_array()) Invalid(param, "'content' must be a string or an array of text parts");
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string()) {
      Invalid(param, "only text content parts ({\"type\": \"text\", \"text\": ...}) are supported");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

std::vector<ChatMessage> Messages(const json& body) {
  auto it = body.find("messages");
  if (it == body.end()) Invalid("messages", "'messages' is required");
  if (!it->is_array() || it->empty()) Invalid("messages", "'messages' must be a non-empty array");
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) Invalid(param, param + " must be an object");
    if (!m.contains("role") || !m["role"].is_string()) Invalid(param + ".role", param + ".role must be a string");
    std::string role = m["role"].get<std::string>();
    if (role == "developer") role = "system";  // OpenAI's newer name for the system role
    if (role != "system" && role != "user" && role != "assistant") {
      Invalid(param + ".role", "unsupported role '" + role + "' (system, user or assistant)");
    }
    messages.push_back({role, Content(m.value("content", json()), param + ".content")});
  }
  return messages;
}

std::vector<std::string> Stops(const json& body, size_t max_stops) {
  auto it = body.find("stop");
  if (it == body.end() || it->is_null()) return {};
  std::vector<std::string> stops;
  if (it->is_string()) {
    stops.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const json& s : *it) {
      if (!s.is_string()) Invalid("stop", "'stop' must be a string or an array of strings");
      stops.push_back(s.get<std::string>());
    }
  } else {
    Invalid("stop", "'stop' must be a string or an array of strings");
  }
  if (stops.size() > max_stops) Invalid("stop", "at most " + std::to_string(max_stops) + " stop sequences");
  for (const std::string& s : stops) {
    if (s.empty()) Invalid("stop", "stop sequences must not be empty");
  }
  return stops;
}

// The policy a request runs: relaygen.policy wins over the model name's suffix.
std::string Policy(const json& body, const std::string& model, const RequestDefaults& defaults) {
  std::string policy = defaults.policy;
  const std::string prefix = std::string(kModelPrefix) + "/";
  if (model.compare(0, prefix.size(), prefix) == 0) {
    policy = model.substr(prefix.size());
  } else if (!model.empty() && model != kModelPrefix) {
    throw ApiError(404, "invalid_request_error", "model",
                   "unknown model '" + model + "': this server serves 'relaygen' and 'relaygen/<policy>'");
  }
  auto ext = body.find("relaygen");
  if (ext != body.end() && !ext->is_null()) {
    if (!ext->is_object()) Invalid("relaygen", "'relaygen' must be an object");
    auto p = ext->find("policy");
    if (p != ext->end() && !p->is_null()) {
      if (!p->is_string()) Invalid("relaygen.policy", "'relaygen.policy' must be a string");
      policy = p->get<std::string>();
    }
  }
  if (!Contains(defaults.policies, policy)) {
    throw ApiError(404, "invalid_request_error", "model",
                   "unknown policy '" + policy + "' (this server runs: " + NamesOf(defaults.policies) + ")");
  }
  return policy;
}

std::string Profile(const json& body, const RequestDefaults& defaults) {
  auto ext = body.find("relaygen");
  if (ext == body.end() || !ext->is_object()) return "";
  auto p = ext->find("profile");
  if (p == ext->end() || p->is_null()) return "";
  if (!p->is_string()) Invalid("relaygen.profile", "'relaygen.profile' must be a string");
  const std::string name = p->get<std::string>();
  if (!Contains(defaults.profiles, name)) {
    throw ApiError(404, "invalid_request_error", "relaygen.profile",
                   "unknown cue profile '" + name + "' (this server has: " + NamesOf(defaults.profiles) + ")");
  }
  return name;
}

Sampling ParseSampling(const json& body, const Sampling& defaults) {
  Sampling s = defaults;
  s.temperature = static_cast<float>(Number(body, "temperature", 0.0, 2.0, defaults.temperature));
  s.top_p = static_cast<float>(Number(body, "top_p", 0.0, 1.0, defaults.top_p));
  if (body.contains("top_p") && !body["top_p"].is_null() && s.top_p <= 0.0f) Invalid("top_p", "'top_p' must be above 0");
  s.top_k = static_cast<int>(Integer(body, "top_k", -1, 1 << 20, defaults.top_k));
  if (s.top_k < 0) s.top_k = 0;  // vLLM spells "off" as -1
  s.ignore_eos = Boolean(body, "ignore_eos", defaults.ignore_eos);
  s.seed = static_cast<uint64_t>(Integer(body, "seed", std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max(), static_cast<int64_t>(defaults.seed)));
  return s;
}

}  // namespace

std::string ModelNameForPolicy(const std::string& policy) { return std::string(kModelPrefix) + "/" + policy; }

ApiRequest ParseApiRequest(std::string_view body_text, bool chat, const RequestDefaults& defaults) {
  json body;
  try {
    body = json::parse(body_text);
  } catch (const json::exception& e) {
    Invalid("", std::string("the body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) Invalid("", "the body must be a JSON object");
  ApiRequest r;
  r.chat = chat;
  if (chat) {
    r.messages = Messages(body);
  } else {
    auto p = body.find("prompt");
    if (p == body.end() || !p->is_string()) Invalid("prompt", "'prompt' must be a string");
    r.prompt = p->get<std::string>();
    if (r.prompt.empty()) Invalid("prompt", "'prompt' must not be empty");
  }
  auto m = body.find("model");
  if (m != body.end() && !m->is_null()) {
    if (!m->is_string()) Invalid("model", "'model' must be a string");
    r.model = m->get<std::string>();
  }
  r.policy = Policy(body, r.model, defaults);
  r.profile = Profile(body, defaults);
  if (r.model.empty()) r.model = kModelPrefix;
  const char* budget_key = body.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  r.max_tokens = static_cast<int>(Integer(body, budget_key, 1, defaults.max_tokens_limit,
                                          std::min(defaults.max_tokens, defaults.max_tokens_limit)));
  r.sampling = ParseSampling(body, defaults.sampling);
  r.stop = Stops(body, defaults.max_stops);
  auto n = body.find("n");
  if (n != body.end() && !n->is_null() && *n != 1) Invalid("n", "only n = 1 is supported");
  r.stream = Boolean(body, "stream", false);
  auto so = body.find("stream_options");
  if (so != body.end() && !so->is_null()) {
    if (!so->is_object()) Invalid("stream_options", "'stream_options' must be an object");
    r.include_usage = Boolean(*so, "include_usage", false);
  }
  return r;
}

}  // namespace relaygen
