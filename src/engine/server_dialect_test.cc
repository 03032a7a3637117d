// Wire format of each server family. The llama-server events are as llama.cpp v0.4.0's server
// writes them (server-task.cpp; remote_engine_test.cc runs the same code against a live one). The
// vLLM and SGLang requests and events are written from their API definitions (vLLM's
// CompletionRequest / CompletionLogProbs / CompletionStreamResponse, SGLang's OpenAI adapter):
// no vLLM or SGLang server runs here.
#include "engine/server_dialect.h"

#include <gtest/gtest.h>

#include <cmath>

#include "util/error.h"

namespace relaygen {
namespace {

using Json = nlohmann::json;

CompletionRequest Sampled() {
  CompletionRequest r;
  r.prompt = {1, 2, 3};
  r.sampling.temperature = 0.6f;
  r.sampling.top_p = 0.95f;
  r.sampling.top_k = 20;
  r.sampling.seed = 42;
  r.max_tokens = 64;
  r.n_top = 2;
  r.slot = 1;
  return r;
}

TEST(ServerDialect, LlamaServerRequestSetsEveryFieldItWouldOtherwiseFillIn) {
  const WireCall call = WriteCompletion(ServerKind::kLlama, Sampled());
  EXPECT_EQ(call.path, "/completion");
  const Json& b = call.body;
  EXPECT_EQ(b["prompt"], Json::array({1, 2, 3}));
  EXPECT_EQ(b["n_predict"], 64);
  EXPECT_EQ(b["stream"], true);
  EXPECT_EQ(b["cache_prompt"], true);
  EXPECT_EQ(b["id_slot"], 1);
  EXPECT_EQ(b["n_probs"], 2);
  EXPECT_EQ(b["post_sampling_probs"], false);
  EXPECT_FLOAT_EQ(b["temperature"].get<float>(), 0.6f);
  EXPECT_EQ(b["top_k"], 20);
  EXPECT_FLOAT_EQ(b["top_p"].get<float>(), 0.95f);
  // The server's own defaults would change the distribution: each is neutralised explicitly.
  EXPECT_EQ(b["min_p"], 0.0);
  EXPECT_EQ(b["repeat_penalty"], 1.0);
  EXPECT_EQ(b["dry_multiplier"], 0.0);
  EXPECT_EQ(b["xtc_probability"], 0.0);
  EXPECT_EQ(b["typical_p"], 1.0);
  EXPECT_EQ(b["mirostat"], 0);
  EXPECT_EQ(b["samplers"], Json::array({"top_k", "top_p", "temperature"}));
  EXPECT_EQ(b["stop"], Json::array());  // stops are matched by the client
  // Greedy: one candidate survives.
  CompletionRequest g = Sampled();
  g.sampling.temperature = 0;
  EXPECT_EQ(WriteCompletion(ServerKind::kLlama, g).body["top_k"], 1);
  // Prompt-only evaluation (read-along) is not streamed.
  g.max_tokens = 0;
  EXPECT_EQ(WriteCompletion(ServerKind::kLlama, g).body["stream"], false);
  EXPECT_THROW(WriteCompletion(ServerKind::kVllm, g), Error);
  g.prompt.clear();
  EXPECT_THROW(WriteCompletion(ServerKind::kLlama, g), Error);
}

TEST(ServerDialect, LlamaServerEventsGiveTokensMarginsAndCacheCounts) {
  // A partial event with n_probs 2 and timings_per_token, as llama-server streams it.
  const Json partial = Json::parse(R"({"index":0,"content":" So","tokens":[318],"stop":false,"id_slot":0,
    "tokens_predicted":3,"tokens_evaluated":41,
    "timings":{"cache_n":37,"prompt_n":4,"prompt_ms":1.2,"predicted_n":3,"predicted_ms":2.0},
    "completion_probabilities":[{"id":318,"token":" So","bytes":[32,83,111],"logprob":-0.105,
      "top_logprobs":[{"id":318,"token":" So","bytes":[32,83,111],"logprob":-0.105},
                      {"id":77,"token":" Then","bytes":[32,84,104,101,110],"logprob":-2.4}]}]})");
  const StreamEvent e = ReadStreamEvent(ServerKind::kLlama, partial);
  ASSERT_EQ(e.tokens.size(), 1u);
  EXPECT_EQ(e.tokens[0].token, 318);
  EXPECT_EQ(e.tokens[0].piece, " So");
  ASSERT_EQ(e.tokens[0].top.size(), 2u);
  EXPECT_EQ(e.tokens[0].top[1].piece, " Then");
  EXPECT_NEAR(MarginOf(e.tokens[0].top), std::exp(-0.105) - std::exp(-2.4), 1e-6);
  EXPECT_EQ(e.cached_tokens, 37);
  EXPECT_EQ(e.prompt_tokens, 41);
  EXPECT_EQ(e.predicted, 3);
  EXPECT_FALSE(e.finished);
  // The final event of a stream repeats no text; "eos" says the last streamed token was the end.
  const StreamEvent f = ReadStreamEvent(ServerKind::kLlama, Json::parse(R"({"content":"","tokens":[],
    "stop":true,"stop_type":"eos","tokens_predicted":9,"tokens_evaluated":41,"timings":{"cache_n":37}})"));
  EXPECT_TRUE(f.finished);
  EXPECT_TRUE(f.end_of_generation);
  EXPECT_TRUE(f.tokens.empty());
  const StreamEvent limit = ReadStreamEvent(ServerKind::kLlama, Json::parse(R"({"stop":true,"stop_type":"limit"})"));
  EXPECT_TRUE(limit.finished);
  EXPECT_FALSE(limit.end_of_generation);
  EXPECT_THROW(ReadStreamEvent(ServerKind::kLlama, Json::parse(R"({"content":"x"})")), Error);
  EXPECT_THROW(ReadStreamEvent(ServerKind::kLlama, Json::parse(R"({"stop":"yes"})")), Error);
}

TEST(ServerDialect, VllmRequestAndStream) {
  CompletionRequest r = Sampled();
  r.model = "Qwen/Qwen3-1.7B";
  const WireCall call = WriteCompletion(ServerKind::kVllm, r);
  EXPECT_EQ(call.path, "/v1/completions");
  const Json& b = call.body;
  EXPECT_EQ(b["model"], "Qwen/Qwen3-1.7B");
  EXPECT_EQ(b["prompt"], Json::array({1, 2, 3}));
  EXPECT_EQ(b["max_tokens"], 64);
  EXPECT_EQ(b["logprobs"], 2);
  EXPECT_EQ(b["return_tokens_as_token_ids"], true);
  EXPECT_EQ(b["include_stop_str_in_output"], true);
  EXPECT_EQ(b["skip_special_tokens"], false);
  EXPECT_EQ(b["top_k"], 20);
  EXPECT_EQ(b["min_p"], 0.0);
  EXPECT_EQ(b["repetition_penalty"], 1.0);
  EXPECT_EQ(b["stream_options"]["include_usage"], true);
  EXPECT_FALSE(b.contains("stop"));
  r.sampling.top_k = 0;
  EXPECT_EQ(WriteCompletion(ServerKind::kVllm, r).body["top_k"], -1);  // vLLM's "off"
  EXPECT_EQ(WriteCompletion(ServerKind::kSglang, r).body["no_stop_trim"], true);

  const StreamEvent e = ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"id":"cmpl-1","object":"text_completion",
    "created":1,"model":"Qwen/Qwen3-1.7B","choices":[{"index":0,"text":" the",
    "logprobs":{"text_offset":[0],"token_logprobs":[-0.1],"tokens":["token_id:279"],
                "top_logprobs":[{"token_id:264":-2.5,"token_id:279":-0.1}]},
    "finish_reason":null,"stop_reason":null}],
    "usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13,"prompt_tokens_details":{"cached_tokens":8}}})"));
  ASSERT_EQ(e.tokens.size(), 1u);
  EXPECT_EQ(e.tokens[0].token, 279);
  EXPECT_EQ(e.tokens[0].piece, " the");
  ASSERT_EQ(e.tokens[0].top.size(), 2u);
  EXPECT_EQ(e.tokens[0].top[0].token, 279);  // sorted best first
  EXPECT_NEAR(MarginOf(e.tokens[0].top), std::exp(-0.1) - std::exp(-2.5), 1e-6);
  EXPECT_EQ(e.cached_tokens, 8);
  EXPECT_EQ(e.prompt_tokens, 12);
  EXPECT_FALSE(e.finished);

  // Two tokens in one chunk are split by text_offset.
  const StreamEvent two = ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"choices":[{"index":0,"text":" the cat",
    "logprobs":{"text_offset":[10,14],"token_logprobs":[-0.1,-0.2],"tokens":["token_id:279","token_id:8251"],
    "top_logprobs":[{"token_id:279":-0.1},{"token_id:8251":-0.2}]},"finish_reason":null}]})"));
  ASSERT_EQ(two.tokens.size(), 2u);
  EXPECT_EQ(two.tokens[0].piece, " the");
  EXPECT_EQ(two.tokens[1].piece, " cat");

  // End of generation: finish_reason "stop" with no stop string sent; the EOS token has no text.
  const StreamEvent end = ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"choices":[{"index":0,"text":"",
    "logprobs":{"text_offset":[14],"token_logprobs":[-0.01],"tokens":["token_id:151645"],
    "top_logprobs":[{"token_id:151645":-0.01}]},"finish_reason":"stop","stop_reason":null}]})"));
  EXPECT_TRUE(end.finished);
  EXPECT_TRUE(end.end_of_generation);
  EXPECT_TRUE(end.tokens.empty());
  const StreamEvent length = ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"choices":[{"index":0,"text":"!",
    "logprobs":{"text_offset":[3],"tokens":["token_id:0"],"top_logprobs":[{"token_id:0":-1.0}]},"finish_reason":"length"}]})"));
  EXPECT_TRUE(length.finished);
  EXPECT_FALSE(length.end_of_generation);
  EXPECT_EQ(length.tokens.size(), 1u);
  // Usage-only chunk (stream_options.include_usage).
  const StreamEvent usage = ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})"));
  EXPECT_TRUE(usage.tokens.empty());
  EXPECT_EQ(usage.prompt_tokens, 5);
  // Text without token ids cannot be followed.
  EXPECT_THROW(ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"choices":[{"text":"hi","finish_reason":null}]})")), Error);
  EXPECT_THROW(ReadStreamEvent(ServerKind::kVllm, Json::parse(R"({"choices":[{"text":"hi","logprobs":{"tokens":["hi"]}}]})")), Error);
}

TEST(ServerDialect, SglangReportsCachedTokensInMetaInfo) {
  const StreamEvent e = ReadStreamEvent(ServerKind::kSglang, Json::parse(R"({"choices":[{"index":0,"text":"4",
    "logprobs":{"text_offset":[0],"tokens":["token_id:19"],"top_logprobs":[{"token_id:19":-0.2,"token_id:20":-1.9}]},
    "finish_reason":null,"matched_stop":null}],"meta_info":{"cached_tokens":30}})"));
  ASSERT_EQ(e.tokens.size(), 1u);
  EXPECT_EQ(e.tokens[0].token, 19);
  EXPECT_EQ(e.cached_tokens, 30);
}

TEST(ServerDialect, ServerKindNames) {
  EXPECT_EQ(ParseServerKind("llama"), ServerKind::kLlama);
  EXPECT_EQ(ParseServerKind("vllm"), ServerKind::kVllm);
  EXPECT_EQ(ParseServerKind("sglang"), ServerKind::kSglang);
  EXPECT_STREQ(ToString(ServerKind::kVllm), "vllm");
  EXPECT_THROW(ParseServerKind("tgi"), Error);
}

}  // namespace
}  // namespace relaygen
