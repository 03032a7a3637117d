#include "testbed/gguf_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gguf.h"
#include "llama.h"
#include "testbed/bpe.h"
#include "testbed/chat_template.h"
#include "testbed/real_vocab.h"
#include "testbed/tokenizer.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;

GgufModel SmallModel() {
  GgufModel m;
  m.name = "writer-test";
  m.vocab = BuildByteLevelVocab({{"h", "e"}, {" ", "t"}, {" t", "he"}, {".", "\n"}, {"S", "o"}});
  m.config.n_vocab = static_cast<int>(m.vocab.tokens.size());
  m.config.n_embd = 32;
  m.config.n_layer = 2;
  m.config.n_head = 4;
  m.config.n_head_kv = 2;
  m.config.n_ff = 48;
  m.config.n_ctx_train = 128;
  m.chat_template = Qwen3ChatTemplate();
  int k = 0;
  for (NamedTensor t : LlamaTensorLayout(m.config)) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    t.data.resize(n);
    for (float& v : t.data) v = 0.05f * std::sin(0.37f * static_cast<float>(k++));
    m.tensors.push_back(std::move(t));
  }
  return m;
}

std::string TempPath(const std::string& name) { return TestDataPath(name); }

ModelPtr Load(const std::string& path) {
  llama_model_params p = llama_model_default_params();
  return ModelPtr(llama_model_load_from_file(path.c_str(), p));
}

std::vector<llama_token> Tokenize(const llama_vocab* vocab, const std::string& text, bool special) {
  std::vector<llama_token> out(text.size() + 8);
  const int n = llama_tokenize(vocab, text.c_str(), static_cast<int32_t>(text.size()), out.data(),
                               static_cast<int32_t>(out.size()), /*add_special=*/false, special);
  out.resize(n < 0 ? 0 : n);
  return out;
}

std::string Piece(const llama_vocab* vocab, llama_token t) {
  char buf[64];
  const int n = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, /*special=*/false);
  return n < 0 ? "" : std::string(buf, n);
}

class GgufWriterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    llama_backend_init();
  }
};

TEST_F(GgufWriterTest, LlamaCppLoadsMetadataAndVocabulary) {
  const GgufModel m = SmallModel();
  const std::string path = TempPath("gguf_writer_test.gguf");
  WriteLlamaGguf(path, m, WeightType::kF32);
  ModelPtr model = Load(path);
  ASSERT_TRUE(model);
  const llama_vocab* vocab = llama_model_get_vocab(model.get());
  EXPECT_EQ(llama_vocab_n_tokens(vocab), m.config.n_vocab);
  EXPECT_EQ(llama_model_n_embd(model.get()), 32);
  EXPECT_EQ(llama_model_n_layer(model.get()), 2);
  EXPECT_EQ(llama_model_n_head(model.get()), 4);
  EXPECT_EQ(llama_model_n_head_kv(model.get()), 2);
  EXPECT_EQ(llama_model_n_ctx_train(model.get()), 128);
  EXPECT_EQ(llama_model_n_params(model.get()), m.config.ParameterCount());
  EXPECT_EQ(llama_model_rope_type(model.get()), LLAMA_ROPE_TYPE_NORM);
  EXPECT_EQ(llama_vocab_eos(vocab), m.vocab.Find("<|im_end|>"));
  EXPECT_TRUE(llama_vocab_is_eog(vocab, m.vocab.Find("<|im_end|>")));
  EXPECT_TRUE(llama_vocab_is_eog(vocab, m.vocab.Find("<|endoftext|>")));
  EXPECT_FALSE(llama_vocab_get_add_bos(vocab));

  // Control tokens are parsed only with parse_special; they render as nothing.
  const auto with_special = Tokenize(vocab, "<|im_start|>user", true);
  ASSERT_FALSE(with_special.empty());
  EXPECT_EQ(with_special[0], m.vocab.Find("<|im_start|>"));
  EXPECT_GT(Tokenize(vocab, "<|im_start|>user", false).size(), 5u);
  // <think> / </think> are user-defined: always one token, rendered as text.
  const auto think = Tokenize(vocab, "</think>", false);
  ASSERT_EQ(think.size(), 1u);
  EXPECT_EQ(think[0], m.vocab.Find("</think>"));
  EXPECT_EQ(Piece(vocab, think[0]), "</think>");
  // Merges apply; digits stay single tokens (qwen2 pre-tokenizer).
  EXPECT_EQ(Tokenize(vocab, " the", false).size(), 1u);
  EXPECT_EQ(Tokenize(vocab, "So.\n", false).size(), 2u);
  EXPECT_EQ(Tokenize(vocab, "347", false).size(), 3u);

  // The chat template is stored verbatim and llama.cpp renders it as chatml.
  const char* tmpl = llama_model_chat_template(model.get(), nullptr);
  ASSERT_NE(tmpl, nullptr);
  EXPECT_EQ(std::string(tmpl), Qwen3ChatTemplate());
  llama_chat_message msg = {"user", "Hi"};
  char buf[256];
  const int n = llama_chat_apply_template(tmpl, &msg, 1, true, buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  std::remove(path.c_str());
}

// Problem::no_loss (byte ranges of the response) maps onto exactly the tokens that spell them.
TEST_F(GgufWriterTest, TokenizeProblemsMasksSlipDigits) {
  const std::string path = TempPath("gguf_writer_tokenizer.gguf");
  WriteVocabGguf(path, BuildByteLevelVocab({{"h", "e"}, {" ", "t"}}), Qwen3ChatTemplate());
  const TestbedTokenizer tokenizer(path);
  Problem p;
  p.id = "p";
  p.problem = "x";
  p.response = "<think>\nthe 47 and 58\n</think>";
  const size_t at = p.response.find("58");
  p.no_loss = {{at, at + 2}};
  const std::vector<TokenizedExample> e = TokenizeProblems(tokenizer, {p});
  ASSERT_EQ(e.size(), 1u);
  ASSERT_EQ(e[0].no_loss.size(), 2u);
  EXPECT_EQ(tokenizer.Piece(e[0].tokens[e[0].no_loss[0]]), "5");
  EXPECT_EQ(tokenizer.Piece(e[0].tokens[e[0].no_loss[1]]), "8");
  EXPECT_EQ(e[0].no_loss[1], e[0].no_loss[0] + 1);
  p.no_loss.clear();
  EXPECT_TRUE(TokenizeProblems(tokenizer, {p})[0].no_loss.empty());
  std::remove(path.c_str());
}

TEST_F(GgufWriterTest, StorageTypes) {
  GgufModel m = SmallModel();
  // n_ff = 48 is not a multiple of Q8_0's block (32): ffn_down falls back to F16.
  const std::string path = TempPath("gguf_writer_test_q8.gguf");
  WriteLlamaGguf(path, m, WeightType::kQ8_0);
  gguf_init_params params = {/*no_alloc=*/true, nullptr};
  gguf_context* g = gguf_init_from_file(path.c_str(), params);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(gguf_get_tensor_type(g, gguf_find_tensor(g, "blk.0.attn_q.weight")), GGML_TYPE_Q8_0);
  EXPECT_EQ(gguf_get_tensor_type(g, gguf_find_tensor(g, "blk.0.ffn_down.weight")), GGML_TYPE_F16);
  EXPECT_EQ(gguf_get_tensor_type(g, gguf_find_tensor(g, "blk.0.attn_norm.weight")), GGML_TYPE_F32);
  const int64_t ne_id = gguf_find_tensor(g, "token_embd.weight");
  ASSERT_GE(ne_id, 0);
  gguf_free(g);
  EXPECT_TRUE(Load(path));
  std::remove(path.c_str());
}

TEST_F(GgufWriterTest, RejectsInconsistentInput) {
  const std::string path = TempPath("gguf_writer_test_bad.gguf");
  GgufModel m = SmallModel();
  m.tensors[1].shape = {7};
  EXPECT_THROW(WriteLlamaGguf(path, m, WeightType::kF32), Error);
  m = SmallModel();
  m.tensors.pop_back();
  EXPECT_THROW(WriteLlamaGguf(path, m, WeightType::kF32), Error);
  m = SmallModel();
  m.tensors[0].data[3] = NAN;
  EXPECT_THROW(WriteLlamaGguf(path, m, WeightType::kF32), Error);
  m = SmallModel();
  m.config.n_vocab += 1;
  EXPECT_THROW(WriteLlamaGguf(path, m, WeightType::kF32), Error);
  m = SmallModel();
  m.vocab.merges.push_back("x y");  // "xy" is not a token
  EXPECT_THROW(WriteLlamaGguf(path, m, WeightType::kF32), Error);
  m = SmallModel();
  m.config.n_head = 5;
  EXPECT_THROW(WriteLlamaGguf(path, m, WeightType::kF32), Error);
  EXPECT_THROW(ParseWeightType("q4_0"), Error);
  FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_EQ(f, nullptr) << "nothing is written on bad input";
  if (f) std::fclose(f);
}

TEST(BpeTest, PreTokenizeFollowsQwen2Regex) {
  const std::vector<std::string> want = {"Okay", ",", " so", " ", "3", "4", "7", " apples", ".\n\n", "So",
                                         " the",  " \\", "boxed", "{", "1", "2", "}.", "  ", " x", "'s", "\n"};
  EXPECT_EQ(PreTokenize("Okay, so 347 apples.\n\nSo the \\boxed{12}.   x's\n"), want);
}

TEST(BpeTest, LearnsFrequentPairsButNeverDigits) {
  const auto merges = LearnBpeMerges({"the 12 the 12 the 12 then"}, 10);
  ASSERT_FALSE(merges.empty());
  for (const auto& [a, b] : merges) {
    EXPECT_EQ((a + b).find_first_of("0123456789"), std::string::npos) << a << "+" << b;
  }
  const BpeVocab v = BuildByteLevelVocab(merges);
  EXPECT_GE(v.Find(ByteToUnicode(" the")), 0);
  EXPECT_EQ(ByteToUnicode(" \n"), "\xC4\xA0\xC4\x8A");  // GPT-2's Ġ and Ċ
  EXPECT_THROW(BuildByteLevelVocab({{"ab", "c"}}), Error);
}

TEST(RealVocab, AddsTheFamilysTokensAtTheirIdsAndRefusesOtherBases) {
  const BpeVocab qwen3 = RealVocab(LlamaVocabPath("ggml-vocab-qwen2.gguf"), "qwen3");
  ASSERT_EQ(qwen3.tokens.size(), 151936u);
  EXPECT_EQ(qwen3.tokens[151667], "<think>");
  EXPECT_EQ(qwen3.types[151667], TokenType::kUserDefined);
  EXPECT_EQ(qwen3.tokens[151645], "<|im_end|>");
  EXPECT_EQ(qwen3.types[151645], TokenType::kControl);
  EXPECT_EQ(qwen3.types[151935], TokenType::kUnused);
  EXPECT_EQ(qwen3.eos, 151645);
  const BpeVocab r1 = RealVocab(LlamaVocabPath("ggml-vocab-qwen2.gguf"), "r1-distill");
  EXPECT_EQ(r1.tokens[151649], "</think>");
  EXPECT_EQ(r1.bos, 151646);
  EXPECT_TRUE(r1.add_bos);
  EXPECT_EQ(r1.pre, "deepseek-r1-qwen");
  EXPECT_EQ(RealVocab(LlamaVocabPath("ggml-vocab-qwen2.gguf"), "r1-distill", 152064).tokens.size(), 152064u);
  EXPECT_THROW(RealVocab(LlamaVocabPath("ggml-vocab-qwen2.gguf"), "qwen3", 151000), Error);
  BpeVocab copy = qwen3;
  EXPECT_THROW(AddFamilyTokens("llama4", &copy), Error);
  EXPECT_THROW(RealVocab(LlamaVocabPath("ggml-vocab-gpt-2.gguf"), "qwen3"), Error);  // 50k tokens
}

TEST(GgufWriter, UnknownArchitectureIsRefused) {
  GgufModel m = SmallModel();
  m.config.arch = "mamba";
  EXPECT_THROW(WriteLlamaGguf(TempPath("bad-arch.gguf"), m, WeightType::kF32), Error);
}

}  // namespace
}  // namespace relaygen
