// Speculative decoding on real models: the bundled testbed pair (the small model drafting for the
// large one, as in a relay) and random-weight test models (a model drafting for itself accepts
// long runs; another model's drafts are mostly rejected).
//
// Exactness rule. Output with speculation must equal output without it, token for token, greedy or
// sampled with the same seed. Batched logits are not bit-identical to single-token logits (on this
// CPU build they differ by up to ~1e-2 in a logit: other kernels, F16 rounding), so one difference
// is allowed: the first differing token, at a position where the top-2 probability margin
// p(top-1) − p(top-2) is below kTieMargin in one of the two runs (a numerical tie: the two tokens'
// order may flip, and greedy or the sampler's walk over the sorted candidates follows it). It is
// reported; any other difference fails. The margin is the engine's own per-token number
// (SegmentRequest::want_margins), taken from each run's own rows.
#include "engine/speculative.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "engine/llama_engine.h"
#include "engine/llama_session.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

constexpr float kTieMargin = 0.02f;

// The first `n` prompts of the testbed's test split, rendered with the pair's chat template.
std::vector<std::string> TestbedPrompts(const Model& model, int n) {
  std::ifstream in(BundledModelFile("testbed-test.jsonl"));
  std::vector<std::string> prompts;
  for (std::string line; static_cast<int>(prompts.size()) < n && std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    prompts.push_back(model.RenderChat({{"user", j.at("prompt").get<std::string>()}}));
  }
  return prompts;
}

SegmentRequest Request(int max_tokens, float temperature = 0.0f, uint64_t seed = 0) {
  SegmentRequest r;
  r.max_tokens = max_tokens;
  r.want_margins = true;  // for the exactness rule
  r.sampling.temperature = temperature;
  r.sampling.top_k = temperature > 0 ? 20 : 0;
  r.sampling.top_p = temperature > 0 ? 0.95f : 1.0f;
  r.sampling.seed = seed;
  return r;
}

SpecOptions Options(const std::string& drafter, int n_max = 8) {
  SpecOptions o;
  o.drafter = drafter;
  o.n_max = n_max;
  return o;
}

// Checks the exactness rule for two segments of the same request, both run with want_margins.
void ExpectSameOrTie(const Segment& plain, const Segment& spec) {
  if (plain.tokens == spec.tokens && plain.text == spec.text) return;
  size_t i = 0;
  while (i < plain.tokens.size() && i < spec.tokens.size() && plain.tokens[i] == spec.tokens[i]) ++i;
  ASSERT_LT(i, plain.tokens.size()) << "speculation wrote more than the plain run";
  ASSERT_LT(i, spec.tokens.size()) << "speculation wrote less than the plain run";
  ASSERT_EQ(plain.margins.size(), plain.tokens.size()) << "run both segments with want_margins";
  ASSERT_EQ(spec.margins.size(), spec.tokens.size());
  const float margin = std::min(plain.margins[i], spec.margins[i]);
  std::printf("[tie] first difference at token %zu of %zu: tokens %d vs %d, top-2 margin %.4f (plain) %.4f (spec)\n",
              i, plain.tokens.size(), plain.tokens[i], spec.tokens[i], plain.margins[i], spec.margins[i]);
  EXPECT_LT(margin, kTieMargin) << "speculative output differs at token " << i << " where neither run was near a tie";
}

struct Pair {
  std::unique_ptr<LlamaModel> large = LlamaModel::Open(BundledModelFile("testbed-large.gguf"));
  std::unique_ptr<LlamaModel> small = LlamaModel::Open(BundledModelFile("testbed-small.gguf"));
};

Pair& TestbedPair() {
  static Pair* pair = new Pair();
  return *pair;
}

// Greedy with and without speculation on the first testbed problems, with `drafter`.
void CheckTestbedGreedy(const std::string& drafter) {
  Pair& pair = TestbedPair();
  SpecStats total;
  for (const std::string& prompt : TestbedPrompts(*pair.large, 3)) {
    const Segment plain = pair.large->NewSession()->Generate(prompt, Request(400));
    auto spec = MakeSpeculativeSession(pair.large->NewSession(), Options(drafter), nullptr, pair.small.get());
    const Segment fast = spec->Generate(prompt, Request(400));
    ExpectSameOrTie(plain, fast);
    EXPECT_LE(fast.spec.accepted, fast.spec.drafted);
    total += fast.spec;
  }
  std::printf("[%s] drafted %d accepted %d (%.2f) in %d batches\n", drafter.c_str(), total.drafted, total.accepted,
              total.acceptance(), total.batches);
  EXPECT_GT(total.drafted, 0);
  EXPECT_GT(total.accepted, 0);
}

TEST(Speculative, GreedyEqualsPlainWithTheSmallModelDrafting) { CheckTestbedGreedy("draft"); }

TEST(Speculative, GreedyEqualsPlainWithNgramDrafts) { CheckTestbedGreedy("ngram"); }

// Random-weight models: a model drafting for itself (long accepted runs, verify batches whose
// every row is used) and another model drafting (drafts mostly rejected, caches rolled back).
TEST(Speculative, GreedyEqualsPlainOnRandomModels) {
  auto target = LlamaModel::Open(TestModelPath());
  auto other = LlamaModel::Open(TestModelPath("tiny-b.gguf"));
  const std::string prompt = "<|im_start|>user\nSo the answer is<|im_end|>\n<|im_start|>assistant\n";
  const Segment plain = target->NewSession()->Generate(prompt, Request(120));
  for (Model* draft : {static_cast<Model*>(target.get()), static_cast<Model*>(other.get())}) {
    for (int n_max : {1, 3, 16}) {
      SpecOptions o = Options("draft", n_max);
      o.p_min = 0;
      auto spec = MakeSpeculativeSession(target->NewSession(), o, nullptr, draft);
      const Segment fast = spec->Generate(prompt, Request(120));
      ExpectSameOrTie(plain, fast);
      EXPECT_GT(fast.spec.batches, 0);
      if (draft == target.get()) {
        EXPECT_GT(fast.spec.acceptance(), 0.9) << "n_max " << n_max;
      }
    }
  }
  auto ngram = MakeSpeculativeSession(target->NewSession(), Options("ngram"), nullptr, nullptr);
  ExpectSameOrTie(plain, ngram->Generate(prompt, Request(120)));
}

// A stop inside an accepted run ends the segment where it ends without speculation, and the
// cache then holds exactly the kept text: the next segment continues identically.
TEST(Speculative, StopInsideAcceptedRunEndsWhereThePlainRunEnds) {
  Pair& pair = TestbedPair();
  const std::string prompt = TestbedPrompts(*pair.large, 1)[0];
  const Segment free_run = pair.large->NewSession()->Generate(prompt, Request(200));
  ASSERT_GT(free_run.text.size(), 120u);
  // A stop in the middle of the text, one that fires once: a word the model writes around there.
  const std::string stop = free_run.text.substr(free_run.text.size() / 2, 4);
  SegmentRequest request = Request(200);
  request.stops = {Stop{stop, false, false}};

  auto plain = pair.large->NewSession();
  SpecOptions o = Options("draft", 16);
  o.p_min = 0;
  // The large model drafting for itself: every draft is accepted, so the stop is inside a run.
  auto spec = MakeSpeculativeSession(pair.large->NewSession(), o, nullptr, pair.large.get());
  const Segment a = plain->Generate(prompt, request);
  const Segment b = spec->Generate(prompt, request);
  ASSERT_EQ(a.stop_reason, StopReason::kStop);
  EXPECT_EQ(b.stop_reason, StopReason::kStop);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_GT(b.spec.accepted, 4);
  // The next segment, on the same sessions: equal output and equal prefill (one cut token).
  const Segment a2 = plain->Generate(prompt + a.text, Request(40));
  const Segment b2 = spec->Generate(prompt + b.text, Request(40));
  EXPECT_EQ(a2.text, b2.text);
  EXPECT_EQ(a2.n_prefilled, b2.n_prefilled);
  EXPECT_EQ(a2.n_reused, b2.n_reused);
}

TEST(Speculative, TokenBudgetIsExact) {
  Pair& pair = TestbedPair();
  const std::string prompt = TestbedPrompts(*pair.large, 1)[0];
  SpecOptions o = Options("draft", 8);
  o.p_min = 0;
  auto spec = MakeSpeculativeSession(pair.large->NewSession(), o, nullptr, pair.large.get());
  auto plain = pair.large->NewSession();
  for (int budget : {1, 2, 7, 8, 9, 17}) {
    const Segment a = plain->Generate(prompt, Request(budget));
    const Segment b = spec->Generate(prompt, Request(budget));
    EXPECT_EQ(static_cast<int>(b.tokens.size()), budget);
    EXPECT_EQ(a.tokens, b.tokens) << "budget " << budget;
    EXPECT_EQ(b.stop_reason, StopReason::kLength);
  }
}

// A full context window ends the segment at the same token with or without speculation (drafts
// never overrun the window: one slot stays free, as without speculation).
TEST(Speculative, FullContextEndsWhereThePlainRunEnds) {
  LlamaOptions small_window;
  small_window.n_ctx = 256;  // llama.cpp's smallest (it pads the window to 256)
  auto large = LlamaModel::Open(BundledModelFile("testbed-large.gguf"), small_window);
  int full = 0;
  for (const std::string& prompt : TestbedPrompts(*large, 3)) {
    const Segment a = large->NewSession()->Generate(prompt, Request(400));
    SpecOptions o = Options("draft", 16);
    o.p_min = 0;
    auto spec = MakeSpeculativeSession(large->NewSession(), o, nullptr, large.get());
    const Segment b = spec->Generate(prompt, Request(400));
    ExpectSameOrTie(a, b);
    if (a.tokens == b.tokens) {
      EXPECT_EQ(a.context_full, b.context_full);
      full += b.context_full;
    }
  }
  EXPECT_GT(full, 0);  // at least one problem's reasoning outgrows the window
}

// Sampling: each position is drawn once, in order, with the target's own sampler, so a seed gives
// the plain run's tokens, under the same tie rule as greedy.
TEST(Speculative, SampledRunsDrawThePlainRunsTokens) {
  Pair& pair = TestbedPair();
  const std::string prompt = TestbedPrompts(*pair.large, 2)[1];
  int same = 0;
  SpecStats total;
  for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    const Segment a = pair.large->NewSession()->Generate(prompt, Request(200, 0.6f, seed));
    auto spec = MakeSpeculativeSession(pair.large->NewSession(), Options("draft"), nullptr, pair.small.get());
    const Segment b = spec->Generate(prompt, Request(200, 0.6f, seed));
    ExpectSameOrTie(a, b);
    same += a.tokens == b.tokens;
    total += b.spec;
  }
  std::printf("[sampled] %d of 6 seeds identical; drafted %d accepted %d\n", same, total.drafted, total.accepted);
  EXPECT_GT(total.accepted, 0);
}

TEST(Speculative, RefusesADraftModelWithAnotherVocabulary) {
  Pair& pair = TestbedPair();
  auto tiny = LlamaModel::Open(TestModelPath());
  try {
    MakeSpeculativeSession(pair.large->NewSession(), Options("draft"), nullptr, tiny.get());
    FAIL() << "an incompatible draft model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocabulary"), std::string::npos) << e.what();
  }
}

TEST(Speculative, NgramDrafterProposesWhatTheEarlierOccurrencesAgreeOn) {
  // One earlier occurrence of the last 3 tokens (7 1 2): what followed it, up to n_max.
  NgramDrafter ngram(3, 2);
  EXPECT_EQ(ngram.Draft({1, 2, 3, 4, 7, 1, 2, 3, 5, 7, 1, 2}, "", 4), (std::vector<Token>{3, 5, 7, 1}));
  // Two occurrences of "1 2" agree on 3, then differ (4 vs 5): the draft stops there.
  NgramDrafter bigram(2, 2);
  EXPECT_EQ(bigram.Draft({1, 2, 3, 4, 9, 1, 2, 3, 5, 8, 1, 2}, "", 4), (std::vector<Token>{3}));
  // They differ at once: nothing to draft.
  EXPECT_TRUE(bigram.Draft({5, 6, 7, 5, 6, 8, 5, 6}, "", 4).empty());
  // The longest n-gram that occurred wins over a shorter one with another continuation.
  EXPECT_EQ(ngram.Draft({9, 5, 6, 1, 4, 5, 6, 2, 9, 5, 6}, "", 2), (std::vector<Token>{1, 4}));
  EXPECT_TRUE(ngram.Draft({1, 2, 3}, "", 4).empty());
  EXPECT_THROW(NgramDrafter(1, 2), Error);
}

TEST(Speculative, RejectsBadOptions) {
  Pair& pair = TestbedPair();
  SpecOptions o = Options("draft", 0);
  EXPECT_THROW(MakeSpeculativeSession(pair.large->NewSession(), o, nullptr, pair.small.get()), Error);
  EXPECT_THROW(MakeSpeculativeSession(pair.large->NewSession(), Options("eagle"), nullptr, nullptr), Error);
}

}  // namespace
}  // namespace relaygen
