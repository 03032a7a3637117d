// The engine on real-shaped models (docs/real-models.md): Qwen2's real 151k-token vocabulary with
// Qwen3's or DeepSeek-R1-Distill's added tokens, their real Jinja chat templates, the qwen3 and
// qwen2 architectures, Q4_K_M and Q8_0 weights (tests/test_models.h: RealShapedModelPath).
#include <gtest/gtest.h>
#include <llama.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/http_client.h"
#include "engine/llama_engine.h"
#include "engine/remote_engine.h"
#include "server_process.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

const char* kQuestion = "What is 17 * 23? 答案 😀";

std::vector<llama_token> Tokens(const LlamaModel& model, const std::string& text, bool add_special) {
  const llama_vocab* vocab = llama_model_get_vocab(model.raw());
  std::vector<llama_token> out(text.size() + 8);
  const int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), out.data(),
                               static_cast<int32_t>(out.size()), add_special, /*parse_special=*/true);
  out.resize(n > 0 ? n : 0);
  return out;
}

std::unique_ptr<LlamaModel> Open(const std::string& path, bool thinking) {
  LlamaOptions o;
  o.n_ctx = 512;
  o.thinking = thinking;
  o.repack = false;  // this machine's AMX kernels fault on these shapes (docs/real-models.md)
  return LlamaModel::Open(path, o);
}

// The prompt relaygen renders equals the one llama-server renders with llama.cpp's Jinja engine
// (/apply-template) from the same GGUF, thinking on and off, in the tokens the model is fed.
void ExpectPromptMatchesServer(const std::string& family, const std::string& expected_on_tail) {
  const std::string path = RealShapedModelPath(family, "small");
  ServerProcess server(path, {"--jinja", "-nr"});
  HttpClient http(server.url(), HttpOptions());
  for (bool thinking : {true, false}) {
    SCOPED_TRACE(family + (thinking ? " thinking on" : " thinking off"));
    const auto model = Open(path, thinking);
    const std::string ours = model->RenderChat({{"user", kQuestion}});
    const nlohmann::json body = {{"messages", {{{"role", "user"}, {"content", kQuestion}}}},
                                 {"chat_template_kwargs", {{"enable_thinking", thinking}}}};
    const std::string theirs = http.Post("/apply-template", body)["prompt"].get<std::string>();
    // llama-server leaves the BOS token out of the rendered text (R1-Distill's {{bos_token}}) and
    // adds it when tokenizing, as relaygen does (add_bos_token).
    EXPECT_EQ(ours, theirs);
    const std::vector<llama_token> tokens = Tokens(*model, ours, true);
    EXPECT_EQ(tokens, Tokens(*model, theirs, true));
    const llama_vocab* vocab = llama_model_get_vocab(model->raw());
    if (llama_vocab_get_add_bos(vocab)) {
      EXPECT_EQ(tokens.front(), llama_vocab_bos(vocab));
    }
    if (thinking) {
      EXPECT_EQ(ours.substr(ours.size() - expected_on_tail.size()), expected_on_tail);
    } else {
      EXPECT_NE(ours.find("</think>"), std::string::npos);
    }
  }
}

TEST(RealShapedEngine, Qwen3PromptEqualsLlamaServerJinja) {
  ExpectPromptMatchesServer("qwen3", "<|im_start|>assistant\n");
}

// The first thing that broke last time: R1-Distill's template opens <think> itself, and
// llama.cpp's copy of it also reads enable_thinking, which the old rule took for Qwen3's style.
TEST(RealShapedEngine, R1DistillPromptEqualsLlamaServerJinjaAndOpensThink) {
  ExpectPromptMatchesServer("r1-distill", "<｜Assistant｜><think>\n");
}

TEST(RealShapedEngine, TokenizerHasTheFamilysSpecialTokens) {
  const auto qwen3 = Open(RealShapedModelPath("qwen3", "small"), true);
  const llama_vocab* v = llama_model_get_vocab(qwen3->raw());
  EXPECT_EQ(llama_vocab_n_tokens(v), 151936);
  EXPECT_EQ(Tokens(*qwen3, "<think>\n1</think>", false), (std::vector<llama_token>{151667, 198, 16, 151668}));
  EXPECT_TRUE(llama_vocab_is_eog(v, 151645));  // <|im_end|>
  EXPECT_FALSE(llama_vocab_get_add_bos(v));
  // </think> is a user-defined token: its piece is its text even without special rendering.
  char buf[32];
  const int n = llama_token_to_piece(v, 151668, buf, sizeof(buf), 0, /*special=*/false);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "</think>");

  const auto r1 = Open(RealShapedModelPath("r1-distill", "small"), true);
  const llama_vocab* rv = llama_model_get_vocab(r1->raw());
  EXPECT_EQ(Tokens(*r1, "<think>\n", true), (std::vector<llama_token>{151646, 151648, 198}));
  EXPECT_TRUE(llama_vocab_is_eog(rv, 151643));  // <｜end▁of▁sentence｜>
}

TEST(RealShapedEngine, LargeModelsAreQ4KMediumOfTheirArchitecture) {
  for (const std::string family : {"qwen3", "r1-distill"}) {
    const auto large = Open(RealShapedModelPath(family, "large"), true);
    char desc[128];
    llama_model_desc(large->raw(), desc, sizeof(desc));
    EXPECT_NE(std::string(desc).find("Q4_K - Medium"), std::string::npos) << desc;
    char arch[32] = {};
    llama_model_meta_val_str(large->raw(), "general.architecture", arch, sizeof(arch));
    EXPECT_EQ(std::string(arch), family == "qwen3" ? "qwen3" : "qwen2");
    // R1-Distill's 32B pads the shared vocabulary to 152,064 rows, its 1.5B to 151,936.
    EXPECT_EQ(llama_vocab_n_tokens(llama_model_get_vocab(large->raw())), family == "qwen3" ? 151936 : 152064);
  }
}

// llama-server keeps back a drawn token that ends inside a UTF-8 character and never reports that
// draw's probabilities (Qwen's byte tokens of CJK characters and emoji). A model whose every next
// token is byte 0xE4, the lead byte of a 3-byte character, makes each draw one: scoring over the
// server still gives every continuation token its own position's margin, equal to the embedded
// engine's (calibrate --small-url; docs/real-models.md).
TEST(RealShapedEngine, RemoteScoringSurvivesDrawsThatEndInsideAUtf8Character) {
  const std::string path = RealShapedModelPath("qwen3", "small-writes-a-lead-byte");
  const auto embedded = Open(path, true);
  const std::string context = embedded->RenderChat({{"user", kQuestion}});
  SegmentRequest one;
  one.max_tokens = 1;
  ASSERT_EQ(embedded->NewSession()->Generate(context, one, nullptr).text, "\xE4");  // the case under test

  ServerProcess server(path, {"-nr"});
  RemoteOptions ro;
  ro.url = server.url();
  const auto remote = RemoteModel::Connect(ro);
  const std::string continuation = "So 17 * 23 = 391. 答案是 391 😀 Therefore, 391.";
  const ScoreResult theirs = remote->NewSession()->Score(context, continuation);
  const ScoreResult ours = embedded->NewSession()->Score(context, continuation);
  ASSERT_EQ(theirs.tokens.size(), ours.tokens.size());
  ASSERT_GT(ours.tokens.size(), 10u);
  for (size_t i = 0; i < ours.tokens.size(); ++i) {
    EXPECT_EQ(theirs.tokens[i].token, ours.tokens[i].token) << i;
    EXPECT_EQ(theirs.tokens[i].piece, ours.tokens[i].piece) << i;
    EXPECT_NEAR(theirs.tokens[i].margin, ours.tokens[i].margin, 1e-2) << i;
    EXPECT_NEAR(theirs.tokens[i].p_token, ours.tokens[i].p_token, 1e-2) << i;
  }
}

}  // namespace
}  // namespace relaygen
