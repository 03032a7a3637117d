// The llama.cpp engine on real GGUF files written by make_test_model (random weights, a tiny BPE
// vocabulary): equivalence with llama.cpp's own reference loop, prefix reuse across parties, stop
// cuts that keep cache and transcript in agreement, teacher-forced margins, token healing.
#include "engine/llama_engine.h"

#include <gtest/gtest.h>
#include <llama.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/llama_session.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

const char* kPrompt = "<|im_start|>user\nSo the answer is<|im_end|>\n<|im_start|>assistant\n";

SegmentRequest Greedy(int max_tokens) {
  SegmentRequest r;
  r.max_tokens = max_tokens;
  return r;
}

// llama.cpp's examples/simple loop, verbatim in substance: tokenize, decode, greedy, repeat.
std::vector<Token> ReferenceGreedy(const std::string& path, const std::string& prompt, int n) {
  llama_model* model = llama_model_load_from_file(path.c_str(), llama_model_default_params());
  const llama_vocab* vocab = llama_model_get_vocab(model);
  std::vector<Token> tokens(prompt.size() + 8);
  tokens.resize(llama_tokenize(vocab, prompt.data(), prompt.size(), tokens.data(), tokens.size(), true, true));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = tokens.size() + n + 8;
  cp.n_batch = tokens.size();
  llama_context* ctx = llama_init_from_model(model, cp);
  llama_sampler* smpl = llama_sampler_chain_init(llama_sampler_chain_default_params());
  llama_sampler_chain_add(smpl, llama_sampler_init_greedy());
  std::vector<Token> out;
  llama_batch batch = llama_batch_get_one(tokens.data(), tokens.size());
  Token next = 0;
  while (static_cast<int>(out.size()) < n) {
    if (llama_decode(ctx, batch) != 0) break;
    next = llama_sampler_sample(smpl, ctx, -1);
    if (llama_vocab_is_eog(vocab, next)) break;
    out.push_back(next);
    batch = llama_batch_get_one(&next, 1);
  }
  llama_sampler_free(smpl);
  llama_free(ctx);
  llama_model_free(model);
  return out;
}

TEST(LlamaEngine, GreedyMatchesLlamaCppReferenceLoopTokenForToken) {
  const std::string path = TestModelPath();
  auto model = LlamaModel::Open(path);
  auto session = model->NewSession();
  const Segment seg = session->Generate(kPrompt, Greedy(64));
  ASSERT_FALSE(seg.tokens.empty());
  const std::vector<Token> reference = ReferenceGreedy(path, kPrompt, 64);
  EXPECT_EQ(seg.tokens, reference);
}

TEST(LlamaEngine, GreedyMatchesLlamaSimpleBinaryText) {
  const std::string path = TestModelPath();
  const std::string prompt = "Now the total is";
  const std::string cmd = LlamaToolPath("llama-simple") + " -m " + path + " -n 40 '" + prompt + "' 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0) << out;
  ASSERT_EQ(out.compare(0, prompt.size(), prompt), 0) << out;  // it echoes the prompt first
  auto model = LlamaModel::Open(path);
  const Segment seg = model->NewSession()->Generate(prompt, Greedy(30));
  ASSERT_GT(seg.text.size(), 0u);
  EXPECT_EQ(out.substr(prompt.size(), seg.text.size()), seg.text);
}

TEST(LlamaEngine, PrefillsOnlyWhatAnotherPartyAppended) {
  auto model = LlamaModel::Open(TestModelPath());
  auto session = model->NewSession();
  const int n_prompt = session->CountTokens(kPrompt);
  const Segment first = session->Generate(kPrompt, Greedy(20));
  EXPECT_EQ(first.n_prefilled, n_prompt);
  EXPECT_EQ(first.n_reused, 0);
  ASSERT_EQ(first.stop_reason, StopReason::kLength);

  const std::string appended = " Therefore, the other model wrote this sentence.\n\n";
  const std::string transcript = kPrompt + first.text + appended;
  const Segment second = session->Generate(transcript, Greedy(4));
  // Everything it had evaluated is reused: the prompt and all its own tokens but the last one,
  // which was sampled and never evaluated.
  EXPECT_EQ(second.n_reused, n_prompt + static_cast<int>(first.tokens.size()) - 1);
  // ... and only that token plus the new text is prefilled.
  EXPECT_LE(second.n_prefilled, session->CountTokens(appended) + 1);
  EXPECT_GE(second.n_prefilled, session->CountTokens(appended) - 1);

  // Control: a fresh session must prefill the whole transcript.
  const Segment fresh = model->NewSession()->Generate(transcript, Greedy(4));
  EXPECT_EQ(fresh.n_reused, 0);
  EXPECT_EQ(fresh.n_prefilled, second.n_reused + second.n_prefilled);
  EXPECT_EQ(fresh.tokens, second.tokens);
}

TEST(LlamaEngine, EditedTranscriptReusesOnlyTheCommonPrefix) {
  auto model = LlamaModel::Open(TestModelPath());
  auto session = model->NewSession();
  const std::string a = std::string(kPrompt) + "First we add the numbers and get a sum.";
  session->Generate(a, Greedy(2));
  const std::string b = std::string(kPrompt) + "First we multiply.";
  const Segment seg = session->Generate(b, Greedy(2));
  EXPECT_LE(seg.n_reused, session->CountTokens(std::string(kPrompt) + "First we"));
  EXPECT_GE(seg.n_reused, session->CountTokens(kPrompt));
}

TEST(LlamaEngine, StopCutKeepsCacheAndTranscriptInAgreement) {
  auto model = LlamaModel::Open(TestModelPath());
  auto probe = model->NewSession();
  const Segment free_run = probe->Generate(kPrompt, Greedy(60));
  // Stop on a character that occurs in the free run, so the cut happens for real.
  std::string stop;
  for (char c : std::string("e a.t")) {
    if (free_run.text.find(c) != std::string::npos) { stop = std::string(1, c); break; }
  }
  ASSERT_FALSE(stop.empty()) << free_run.text;
  SegmentRequest req = Greedy(60);
  req.stops = {Stop{stop, false, false}};
  auto session = model->NewSession();
  const Segment cut = session->Generate(kPrompt, req);
  ASSERT_EQ(cut.stop_reason, StopReason::kStop);
  ASSERT_EQ(cut.text.substr(cut.text.size() - stop.size()), stop);
  EXPECT_EQ(free_run.text.compare(0, cut.text.size(), cut.text), 0);

  // Continuing the cut transcript on the same session must equal a fresh session's continuation.
  const std::string transcript = kPrompt + cut.text;
  const Segment resumed = session->Generate(transcript, Greedy(16));
  const Segment fresh = model->NewSession()->Generate(transcript, Greedy(16));
  EXPECT_EQ(resumed.tokens, fresh.tokens);
  EXPECT_EQ(resumed.text, fresh.text);
}

// Margins by the definition: evaluate one token at a time with the C API and take p1 - p2.
std::vector<float> ReferenceMargins(const std::string& path, const std::vector<Token>& context,
                                    const std::vector<Token>& continuation) {
  llama_model* model = llama_model_load_from_file(path.c_str(), llama_model_default_params());
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 512;
  cp.type_k = GGML_TYPE_F32;
  cp.type_v = GGML_TYPE_F32;
  llama_context* ctx = llama_init_from_model(model, cp);
  std::vector<Token> ctx_tokens = context;
  llama_decode(ctx, llama_batch_get_one(ctx_tokens.data(), ctx_tokens.size()));
  std::vector<float> margins;
  for (Token t : continuation) {
    margins.push_back(TopTwoMargin(llama_get_logits_ith(ctx, -1), n_vocab, -1, nullptr));
    Token next = t;
    llama_decode(ctx, llama_batch_get_one(&next, 1));
  }
  llama_free(ctx);
  llama_model_free(model);
  return margins;
}

TEST(LlamaEngine, ScoreMarginsMatchOneTokenAtATimeReference) {
  LlamaOptions opts;
  opts.f32_kv_cache = true;
  auto model = LlamaModel::Open(TestModelPath(), opts);
  const Segment seg = model->NewSession()->Generate(kPrompt, Greedy(40));
  const std::string continuation = seg.text + " Therefore, the total is 42.";
  const ScoreResult big = model->NewSession()->Score(kPrompt, continuation);
  opts.n_batch = 7;  // several teacher-forcing passes
  auto small_batches = LlamaModel::Open(TestModelPath(), opts);
  const ScoreResult chunked = small_batches->NewSession()->Score(kPrompt, continuation);
  ASSERT_EQ(big.tokens.size(), chunked.tokens.size());
  ASSERT_GT(big.tokens.size(), 30u);
  std::vector<Token> context_tokens, continuation_tokens;
  {
    llama_model_params p = llama_model_default_params();
    p.vocab_only = true;
    llama_model* vocab_model = llama_model_load_from_file(TestModelPath().c_str(), p);
    const llama_vocab* vocab = llama_model_get_vocab(vocab_model);
    context_tokens.resize(256);
    context_tokens.resize(llama_tokenize(vocab, kPrompt, std::strlen(kPrompt), context_tokens.data(), 256, false, true));
    llama_model_free(vocab_model);
  }
  std::string spelled;
  for (const TokenScore& s : big.tokens) {
    continuation_tokens.push_back(s.token);
    spelled += s.piece;
  }
  EXPECT_EQ(spelled, continuation);
  const std::vector<float> reference = ReferenceMargins(TestModelPath(), context_tokens, continuation_tokens);
  for (size_t i = 0; i < big.tokens.size(); ++i) {
    EXPECT_NEAR(big.tokens[i].margin, reference[i], 1e-3) << i;
    EXPECT_NEAR(chunked.tokens[i].margin, reference[i], 1e-3) << i;
    EXPECT_LE(big.tokens[i].p_token, big.tokens[i].margin + reference[i] + 1.0f);
    EXPECT_GE(big.tokens[i].margin, 0.0f);
  }
  // The greedy part: each token was the top-1 of its distribution, so p(token) = p(top-1) > margin.
  for (size_t i = 0; i < 5; ++i) EXPECT_GE(big.tokens[i].p_token + 1e-6, big.tokens[i].margin);
}

TEST(LlamaEngine, GenerationMarginsEqualScoreMargins) {
  LlamaOptions opts;
  opts.f32_kv_cache = true;
  auto model = LlamaModel::Open(TestModelPath(), opts);
  SegmentRequest req = Greedy(1);
  req.want_margins = true;
  const Segment seg = model->NewSession()->Generate(kPrompt, req);
  ASSERT_EQ(seg.margins.size(), 1u);
  const ScoreResult score = model->NewSession()->Score(kPrompt, seg.text);
  ASSERT_FALSE(score.tokens.empty());
  EXPECT_NEAR(score.tokens[0].margin, seg.margins[0], 1e-4);
}

TEST(LlamaEngine, TokenHealingConstrainsTheFirstToken) {
  auto model = LlamaModel::Open(TestModelPath());
  SegmentRequest req = Greedy(6);
  req.first_token_prefix = " ";
  const Segment seg = model->NewSession()->Generate(std::string(kPrompt) + "So", req);
  ASSERT_FALSE(seg.text.empty());
  EXPECT_EQ(seg.text[0], ' ');
}

TEST(LlamaEngine, MinTokensDelaysStops) {
  auto model = LlamaModel::Open(TestModelPath());
  const Segment free_run = model->NewSession()->Generate(kPrompt, Greedy(30));
  ASSERT_GE(free_run.tokens.size(), 10u);
  SegmentRequest req = Greedy(30);
  req.min_tokens = 10;
  req.stops = {Stop{free_run.text.substr(0, 1), false, false}};  // matches in the first token
  const Segment seg = model->NewSession()->Generate(kPrompt, req);
  EXPECT_GE(seg.tokens.size(), 10u);
}

TEST(LlamaEngine, StreamedTextEqualsSegmentText) {
  auto model = LlamaModel::Open(TestModelPath());
  std::string streamed;
  const Segment seg = model->NewSession()->Generate(kPrompt, Greedy(40), [&](std::string_view t) {
    streamed.append(t);
    return true;
  });
  EXPECT_EQ(streamed, seg.text);
}

TEST(LlamaEngine, RendersChatWithTheModelsTemplate) {
  auto model = LlamaModel::Open(TestModelPath());
  EXPECT_EQ(model->RenderChat({{"user", "hi"}}), "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(LlamaEngine, PromptLongerThanContextIsAClearError) {
  LlamaOptions options;
  options.n_ctx = 64;
  auto model = LlamaModel::Open(TestModelPath(), options);
  const std::string prompt(400, 'x');
  try {
    model->NewSession()->Generate(prompt, Greedy(4));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than the context"), std::string::npos) << e.what();
  }
}

TEST(LlamaEngine, GeneratedTextFillingTheContextEndsTheSegmentWithoutError) {
  LlamaOptions options;
  options.n_ctx = 64;
  auto model = LlamaModel::Open(TestModelPath(), options);
  auto session = model->NewSession();
  const Segment first = session->Generate(kPrompt, Greedy(8));
  // Another party appends more text than the window holds: that ends the segment, not the run.
  std::string more;
  for (int i = 0; i < 40; ++i) more += " so the sum is";
  const Segment second = session->Generate(kPrompt + first.text + more, Greedy(8));
  EXPECT_TRUE(second.context_full);
  EXPECT_TRUE(second.tokens.empty());
  EXPECT_EQ(second.stop_reason, StopReason::kLength);
}

TEST(LlamaEngine, MissingAndCorruptModelFilesAreClearErrors) {
  EXPECT_THROW(LlamaModel::Open("/nonexistent/model.gguf"), Error);
  const std::string dir = ::testing::TempDir();
  {
    std::ofstream junk(dir + "/junk.gguf", std::ios::binary);
    junk << "this is not a model";
  }
  EXPECT_THROW(LlamaModel::Open(dir + "/junk.gguf"), Error);
  // A real model cut in half.
  std::ifstream in(TestModelPath(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  {
    std::ofstream cut(dir + "/truncated.gguf", std::ios::binary);
    cut.write(bytes.data(), bytes.size() / 2);
  }
  try {
    LlamaModel::Open(dir + "/truncated.gguf");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("failed to load model"), std::string::npos) << e.what();
  }
}

TEST(LlamaEngine, InvalidRequestsAreErrors) {
  auto model = LlamaModel::Open(TestModelPath());
  auto session = model->NewSession();
  EXPECT_THROW(session->Generate(kPrompt, Greedy(0)), Error);
  SegmentRequest empty_stop = Greedy(4);
  empty_stop.stops = {Stop{"", false, false}};
  EXPECT_THROW(session->Generate(kPrompt, empty_stop), Error);
}

}  // namespace
}  // namespace relaygen
