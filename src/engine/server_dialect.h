// The wire format of each model-server family a remote engine talks to: how a completion request
// is written and how each streamed event is read. Pure translation, no I/O, so it is tested on
// recorded request/response pairs (server_dialect_test.cc) as well as against a live llama-server.
//
//   llama    llama.cpp's llama-server, native POST /completion: prompt as token ids, cache_prompt,
//            one pinned id_slot per session, n_probs for margins, timings.cache_n for cache hits.
//   vllm     POST /v1/completions with token-id prompts, logprobs, return_tokens_as_token_ids,
//            usage.prompt_tokens_details.cached_tokens (automatic prefix caching).
//   sglang   the same OpenAI completions endpoint; SGLang reports cached tokens in meta_info.
//
// Stops are never sent to the server: the client matches them on the streamed tokens with the
// embedded engine's own SegmentBuilder (word boundaries, min_tokens, lookahead), so stop semantics
// are identical by construction, and closes the stream when one fires.
#ifndef RELAYGEN_ENGINE_SERVER_DIALECT_H_
#define RELAYGEN_ENGINE_SERVER_DIALECT_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace relaygen {

enum class ServerKind { kLlama, kVllm, kSglang };
const char* ToString(ServerKind kind);
// "llama" | "vllm" | "sglang"; throws relaygen::Error otherwise.
ServerKind ParseServerKind(const std::string& name);

// One completion request as the dialect writes it.
struct CompletionRequest {
  std::vector<Token> prompt;  // the whole transcript, as token ids
  // When set, sent instead of `prompt`: the transcript as text, for the server to tokenize (how the
  // reference's client hands off; relaygen's --resend-text reproduces it for comparison).
  std::string prompt_text;
  Sampling sampling;
  int max_tokens = 1;         // >= 0; 0 only evaluates the prompt (llama-server)
  int n_top = 0;              // top candidates wanted per generated token (2 for margins)
  int slot = -1;              // llama-server slot to pin (-1: any)
  std::string model;          // OpenAI "model" field (vLLM/SGLang)
};

struct WireCall {
  std::string path;
  nlohmann::json body;
};
WireCall WriteCompletion(ServerKind kind, const CompletionRequest& request);

// A candidate of the distribution a token was drawn from (raw probabilities, temperature 1).
struct Candidate {
  Token token = -1;
  std::string piece;
  float p = 0;
};

// What one streamed event says.
struct StreamEvent {
  // Tokens generated since the previous event, in order. `piece` is the text the server attributes
  // to the token (a server that holds back an incomplete UTF-8 sequence gives its bytes to the
  // token that completes it: then `merged` counts the held-back tokens folded into this one).
  struct Item {
    Token token = -1;
    std::string piece;
    int merged = 0;
    std::vector<Candidate> top;  // best first, when n_top > 0
  };
  std::vector<Item> tokens;
  bool finished = false;
  bool end_of_generation = false;  // finished because the model produced an end-of-generation token
  int prompt_tokens = -1;          // the request's prompt length, when reported
  int cached_tokens = -1;          // prompt tokens the server took from its cache, when reported
  int predicted = -1;              // tokens generated so far in this request, when reported
};
// Throws relaygen::Error on an event that does not have the dialect's shape.
StreamEvent ReadStreamEvent(ServerKind kind, const nlohmann::json& event);

// p(top-1) - p(top-2) of a candidate list (p(top-1) with one candidate, 0 with none).
float MarginOf(const std::vector<Candidate>& top);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_SERVER_DIALECT_H_
