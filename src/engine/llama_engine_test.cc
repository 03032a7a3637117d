// The llama.cpp engine on real GGUF files written by make_test_model (random weights, a tiny BPE
// vocabulary): equivalence with llama.cpp's own reference loop, prefix reuse across parties, stop
// cuts that keep cache and transcript in agreement, teacher-forced margins, token healing.
#include "engine/llama_engine.h"

#include <gtest/gtest.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "engine/amx_guard.h"
#include "engine/llama_session.h"
#include "test_models.h"
#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {
namespace {

const char* kPrompt = "<|im_start|>user\nSo the answer is<|im_end|>\n<|im_start|>assistant\n";

SegmentRequest Greedy(int max_tokens) {
  SegmentRequest r;
  r.max_tokens = max_tokens;
  return r;
}

// llama.cpp's examples/simple loop, verbatim in substance: tokenize, decode, sample from the
// context's row (llama_sampler_sample: a candidate array of the whole vocabulary), repeat. `chain`
// adds the samplers, given the prompt's token count.
std::vector<Token> ReferenceLoop(const std::string& path, const std::string& prompt, int n,
                                 const std::function<void(llama_sampler*, size_t)>& chain) {
  llama_model_params mp = llama_model_default_params();
  mp.use_extra_bufts = ExtraBufferTypesAreSafe(path);  // as relaygen loads it (engine/amx_guard.h)
  llama_model* model = llama_model_load_from_file(path.c_str(), mp);
  const llama_vocab* vocab = llama_model_get_vocab(model);
  std::vector<Token> tokens(prompt.size() + 8);
  tokens.resize(llama_tokenize(vocab, prompt.data(), prompt.size(), tokens.data(), tokens.size(), true, true));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = tokens.size() + n + 8;
  cp.n_batch = tokens.size();
  llama_context* ctx = llama_init_from_model(model, cp);
  llama_sampler* smpl = llama_sampler_chain_init(llama_sampler_chain_default_params());
  chain(smpl, tokens.size());
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

std::vector<Token> ReferenceGreedy(const std::string& path, const std::string& prompt, int n) {
  return ReferenceLoop(path, prompt, n, [](llama_sampler* c, size_t) { llama_sampler_chain_add(c, llama_sampler_init_greedy()); });
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

// Sampled decoding hands llama.cpp's chain only the top k candidates, found without copying the
// row (logits_ops.h: TopK); the draws equal the chain's on a candidate array of the whole
// vocabulary, token for token, on the testbed-sized vocabulary and on Qwen's 151,936 entries.
TEST(LlamaEngine, SampledMatchesLlamaCppReferenceLoopTokenForToken) {
  for (const std::string& path : {TestModelPath(), RealShapedModelPath("qwen3", "small")}) {
    for (uint64_t seed : {1ull, 42ull, 7777ull}) {
      auto model = LlamaModel::Open(path);
      auto session = model->NewSession();
      SegmentRequest r = Greedy(48);
      r.sampling = {0.6f, 0.95f, 20, seed};
      const Segment seg = session->Generate(kPrompt, r);
      ASSERT_FALSE(seg.tokens.empty());
      const std::vector<Token> reference = ReferenceLoop(path, kPrompt, 48, [seed](llama_sampler* c, size_t n_prompt) {
        llama_sampler_chain_add(c, llama_sampler_init_top_k(20));
        llama_sampler_chain_add(c, llama_sampler_init_top_p(0.95f, 1));
        llama_sampler_chain_add(c, llama_sampler_init_temp(0.6f));
        const uint64_t mixed = seed * 0x9E3779B97F4A7C15ull + n_prompt;  // LlamaSession::MakeSampler's seed
        llama_sampler_chain_add(c, llama_sampler_init_dist(static_cast<uint32_t>(mixed ^ (mixed >> 32))));
      });
      EXPECT_EQ(seg.tokens, reference) << path << " seed " << seed;
    }
  }
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

// Margins by the definition: evaluate one token at a time with the C API and take p1 - p2; also
// the probability of each continuation token (`p_tokens`).
std::vector<float> ReferenceMargins(const std::string& path, const std::vector<Token>& context,
                                    const std::vector<Token>& continuation, std::vector<float>* p_tokens) {
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
    float p = 0;
    margins.push_back(TopTwoMargin(llama_get_logits_ith(ctx, -1), n_vocab, t, &p));
    p_tokens->push_back(p);
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
  std::vector<float> reference_p;
  const std::vector<float> reference =
      ReferenceMargins(TestModelPath(), context_tokens, continuation_tokens, &reference_p);
  for (size_t i = 0; i < big.tokens.size(); ++i) {
    EXPECT_NEAR(big.tokens[i].margin, reference[i], 1e-3) << i;
    EXPECT_NEAR(chunked.tokens[i].margin, reference[i], 1e-3) << i;
    EXPECT_NEAR(big.tokens[i].p_token, reference_p[i], 1e-3) << i;
    EXPECT_NEAR(chunked.tokens[i].p_token, reference_p[i], 1e-3) << i;
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

// The text of each token of `tokens`, as the model spells it.
std::vector<std::string> Pieces(const LlamaModel& model, const std::vector<Token>& tokens) {
  const llama_vocab* vocab = llama_model_get_vocab(model.raw());
  std::vector<std::string> pieces;
  for (Token t : tokens) {
    char buf[256];
    const int n = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, true);
    pieces.emplace_back(buf, std::max(n, 0));
  }
  return pieces;
}

TEST(LlamaEngine, MinTokensDelaysStops) {
  auto model = LlamaModel::Open(TestModelPath());
  const Segment free_run = model->NewSession()->Generate(kPrompt, Greedy(40));
  const std::vector<std::string> pieces = Pieces(*model, free_run.tokens);
  // A one-byte stop that occurs in the first 9 tokens and again in a later one; where each token
  // of the free run ends in its text.
  std::vector<size_t> ends;
  for (const std::string& piece : pieces) ends.push_back((ends.empty() ? 0 : ends.back()) + piece.size());
  ASSERT_GE(ends.size(), 12u);
  ASSERT_EQ(ends.back(), free_run.text.size());
  const auto token_of = [&](size_t byte) {  // 1-based index of the token holding `byte`
    return static_cast<int>(std::upper_bound(ends.begin(), ends.end(), byte) - ends.begin()) + 1;
  };
  std::string stop;
  int early = 0, late = 0;
  for (size_t i = 0; i < ends[8] && stop.empty(); ++i) {
    const size_t again = free_run.text.find(free_run.text[i], ends[8]);
    if (again == std::string::npos) continue;
    stop = free_run.text.substr(i, 1);
    early = token_of(free_run.text.find(stop));
    late = token_of(again);
  }
  ASSERT_FALSE(stop.empty()) << free_run.text;
  ASSERT_LT(early, 10);
  ASSERT_GE(late, 10);

  SegmentRequest req = Greedy(40);
  req.stops = {Stop{stop, false, false}};
  // Control: without min_tokens the stop fires in token `early`.
  const Segment eager = model->NewSession()->Generate(kPrompt, req);
  ASSERT_EQ(eager.stop_reason, StopReason::kStop);
  EXPECT_EQ(static_cast<int>(eager.tokens.size()), early);
  // With min_tokens 10 the early occurrence is ignored and the stop fires at the first occurrence
  // that ends in token 10 or later.
  req.min_tokens = 10;
  const Segment seg = model->NewSession()->Generate(kPrompt, req);
  ASSERT_EQ(seg.stop_reason, StopReason::kStop);
  EXPECT_EQ(static_cast<int>(seg.tokens.size()), late);
  EXPECT_EQ(seg.text, free_run.text.substr(0, free_run.text.find(stop, ends[8]) + 1));
}

// TopTwoMargin against probabilities worked out by hand: logits ln 1, ln 2, ln 3, ln 4 are the
// distribution (0.1, 0.2, 0.3, 0.4) in any order.
TEST(LlamaEngine, TopTwoMarginByHand) {
  const float logits[] = {std::log(2.0f), std::log(4.0f), std::log(1.0f), std::log(3.0f)};
  float p = -1;
  EXPECT_NEAR(TopTwoMargin(logits, 4, 2, &p), 0.4f - 0.3f, 1e-6);
  EXPECT_NEAR(p, 0.1f, 1e-6);
  EXPECT_NEAR(TopTwoMargin(logits, 4, 1, &p), 0.1f, 1e-6);
  EXPECT_NEAR(p, 0.4f, 1e-6);
  // A shift of every logit changes nothing; without a token p is left alone.
  const float shifted[] = {logits[0] + 100, logits[1] + 100, logits[2] + 100, logits[3] + 100};
  p = -1;
  EXPECT_NEAR(TopTwoMargin(shifted, 4, -1, &p), 0.1f, 1e-5);
  EXPECT_EQ(p, -1);
  // A tie for the top: margin 0. The first of two equal maxima, then a lower one.
  const float tie[] = {5.0f, 5.0f, 0.0f};
  EXPECT_NEAR(TopTwoMargin(tie, 3, -1, nullptr), 0.0f, 1e-6);
  // The maximum last, after a rising run (the running second must move along).
  const float rising[] = {std::log(1.0f), std::log(2.0f), std::log(7.0f)};
  EXPECT_NEAR(TopTwoMargin(rising, 3, 0, &p), 0.7f - 0.2f, 1e-6);
  EXPECT_NEAR(p, 0.1f, 1e-6);
  // One entry: p(top-1) = 1 and there is no second.
  const float one[] = {-3.0f};
  EXPECT_NEAR(TopTwoMargin(one, 1, 0, &p), 1.0f, 1e-6);
  EXPECT_NEAR(p, 1.0f, 1e-6);
}

// Counts llama.cpp's abort polls (one per graph node on the CPU backend) and aborts the decode
// in flight once `abort_after` polls have passed (never when negative).
struct AbortAfter {
  long polls = 0;
  long abort_after = -1;
  static bool Callback(void* data) {
    auto* self = static_cast<AbortAfter*>(data);
    ++self->polls;
    return self->abort_after >= 0 && self->polls > self->abort_after;
  }
};

// A decode that fails part way (here: aborted in the middle of a long prefill) must not leave the
// session believing it holds tokens the KV cache never received.
TEST(LlamaEngine, FailedDecodeLeavesCacheAndBookkeepingInAgreement) {
  LlamaOptions options;
  options.n_batch = 16;  // the prompt is prefilled in many chunks
  auto model = LlamaModel::Open(TestModelPath(), options);
  std::string prompt = kPrompt;
  for (int i = 0; i < 12; ++i) prompt += " Then we add " + std::to_string(7 * i + 3) + " apples.";
  ASSERT_GT(LlamaSession(model.get()).CountTokens(prompt), 6 * options.n_batch);

  // How many polls a whole prefill takes.
  LlamaSession reference(model.get());
  AbortAfter count;
  llama_set_abort_callback(reference.raw_context(), AbortAfter::Callback, &count);
  reference.Prefill(prompt);
  ASSERT_GT(count.polls, 0) << "the backend never polls the abort callback";

  LlamaSession session(model.get());
  AbortAfter abort;
  abort.abort_after = count.polls / 2;  // some chunks succeed, then one fails
  llama_set_abort_callback(session.raw_context(), AbortAfter::Callback, &abort);
  EXPECT_THROW(session.Generate(prompt, Greedy(8), {}), Error);
  abort.abort_after = -1;

  const Segment expected = reference.Generate(prompt, Greedy(8), {});
  const Segment after_failure = session.Generate(prompt, Greedy(8), {});
  EXPECT_EQ(after_failure.tokens, expected.tokens);
  EXPECT_GT(after_failure.n_reused, 0) << "the chunks that did succeed are kept";
  EXPECT_EQ(after_failure.n_reused + after_failure.n_prefilled, expected.n_reused + expected.n_prefilled);
}

// A callback that throws ends Generate with its exception; nothing leaks (the sampler: under
// ASan's leak checker) and the session goes on as a fresh one would.
TEST(LlamaEngine, ThrowingCallbackPropagatesAndTheSessionStaysUsable) {
  auto model = LlamaModel::Open(TestModelPath());
  auto session = model->NewSession();
  SegmentRequest sampled = Greedy(20);
  sampled.sampling.temperature = 0.8f;  // a sampler chain with several members
  sampled.sampling.top_k = 20;
  sampled.sampling.top_p = 0.9f;
  int calls = 0;
  EXPECT_THROW(session->Generate(kPrompt, sampled, [&](std::string_view) -> bool {
    if (++calls == 3) throw std::runtime_error("consumer went away");
    return true;
  }), std::runtime_error);
  EXPECT_EQ(calls, 3);
  const Segment after = session->Generate(kPrompt, Greedy(12));
  const Segment fresh = model->NewSession()->Generate(kPrompt, Greedy(12));
  EXPECT_EQ(after.tokens, fresh.tokens);
}

// The callback's false cancels the segment at once: no more tokens, reason kLength.
TEST(LlamaEngine, CallbackReturningFalseCancels) {
  auto model = LlamaModel::Open(TestModelPath());
  const Segment free_run = model->NewSession()->Generate(kPrompt, Greedy(30));
  ASSERT_GT(free_run.tokens.size(), 5u);
  int calls = 0;
  const Segment seg = model->NewSession()->Generate(kPrompt, Greedy(30), [&](std::string_view) {
    return ++calls < 3;
  });
  EXPECT_EQ(seg.stop_reason, StopReason::kLength);
  // The callback runs whenever the text's complete UTF-8 prefix grows: the third time is here.
  const std::vector<std::string> pieces = Pieces(*model, free_run.tokens);
  std::string text;
  size_t shown = 0, third = 0;
  for (int seen = 0; seen < 3;) {
    ASSERT_LT(third, pieces.size());
    text += pieces[third++];
    if (CompleteUtf8Prefix(text) > shown) {
      shown = CompleteUtf8Prefix(text);
      ++seen;
    }
  }
  EXPECT_EQ(seg.tokens.size(), third);
  EXPECT_EQ(seg.text, text);
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
