// Sessions of one model sharing a batched context (LlamaOptions::n_parallel > 1), on the bundled
// testbed model: concurrent sessions are decoded together and each writes what it writes alone.
#include "engine/batched_context.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "engine/llama_engine.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

std::vector<std::string> Prompts(const Model& model) {
  std::vector<std::string> prompts;
  for (const char* q : {"Mia has 47 marbles. She gives 12 to Tom. How many are left?",
                        "A shop has 30 apples and buys 25 more. How many apples does it have?",
                        "Leo reads 14 pages a day for 3 days. How many pages did he read?",
                        "There are 90 birds. 41 fly away. How many birds stay?"}) {
    prompts.push_back(model.RenderChat({{"user", q}}));
  }
  return prompts;
}

SegmentRequest Greedy(int max_tokens) {
  SegmentRequest r;
  r.max_tokens = max_tokens;
  return r;
}

std::unique_ptr<LlamaModel> OpenShared(int n_parallel) {
  LlamaOptions options;
  options.n_parallel = n_parallel;
  options.n_ctx = 1024;
  return LlamaModel::Open(BundledModelFile("testbed-large.gguf"), options);
}

// llama.cpp's matrix products round differently for a batch of one token and of several (a vector
// dot against a blocked GEMM), so a sequence's logits in a shared batch differ from its logits
// alone by up to ~1e-2 (docs/serving.md). Greedy decoding can then take the other branch where
// the top two tokens are that close: a divergence is allowed only at such a numerical tie.
constexpr float kTieMargin = 0.05f;

TEST(BatchedContext, ConcurrentSessionsWriteWhatEachWritesAloneInSharedBatches) {
  auto model = OpenShared(4);
  ASSERT_NE(model->batched_context(), nullptr);
  const std::vector<std::string> prompts = Prompts(*model);
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 4; ++i) sessions.push_back(model->NewSession());

  SegmentRequest request = Greedy(80);
  request.want_margins = true;
  std::vector<Segment> alone;
  for (int i = 0; i < 4; ++i) alone.push_back(sessions[i]->Generate(prompts[i], request));
  const BatchedContext::Counters before = model->batched_context()->counters();

  // Fresh sessions (the old ones' caches hold the answers), all generating at once.
  sessions.clear();
  for (int i = 0; i < 4; ++i) sessions.push_back(model->NewSession());
  std::vector<Segment> together(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { together[i] = sessions[i]->Generate(prompts[i], request); });
  }
  for (std::thread& t : threads) t.join();
  int identical = 0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(alone[i].text.empty());
    if (together[i].tokens == alone[i].tokens) {
      ++identical;
      continue;
    }
    size_t k = 0;
    while (k < alone[i].tokens.size() && k < together[i].tokens.size() && alone[i].tokens[k] == together[i].tokens[k]) ++k;
    ASSERT_LT(k, alone[i].margins.size()) << "session " << i << ": one output is a prefix of the other";
    EXPECT_LT(alone[i].margins[k], kTieMargin) << "session " << i << " diverged at token " << k
                                               << " where the top two were not tied";
    std::printf("session %d: a numerical tie at token %zu (top-2 margin %.4f)\n", i, k, alone[i].margins[k]);
  }
  EXPECT_GE(identical, 2) << "most sessions must write exactly what they write alone";
  const BatchedContext::Counters after = model->batched_context()->counters();
  const double per_decode = static_cast<double>(after.sequences - before.sequences) / (after.decodes - before.decodes);
  EXPECT_GT(per_decode, 2.0) << "decodes were not shared: " << per_decode << " sequences per decode";
}

TEST(BatchedContext, SequencesAreRecycledAndLimited) {
  auto model = OpenShared(2);
  auto a = model->NewSession();
  auto b = model->NewSession();
  EXPECT_THROW(model->NewSession(), Error);
  const std::string prompt = Prompts(*model)[0];
  const std::string first = a->Generate(prompt, Greedy(20)).text;
  a.reset();
  auto c = model->NewSession();  // takes a's sequence, whose cache must be empty again
  const Segment seg = c->Generate(prompt, Greedy(20));
  EXPECT_EQ(seg.text, first);
  EXPECT_EQ(seg.n_reused, 0);
}

TEST(BatchedContext, ScoringThroughTheSharedContextMatchesAnOwnContext) {
  auto shared = OpenShared(2);
  LlamaOptions own_options;
  own_options.n_ctx = 1024;
  auto own = LlamaModel::Open(BundledModelFile("testbed-large.gguf"), own_options);
  const std::string prompt = Prompts(*shared)[1];
  const std::string text = own->NewSession()->Generate(prompt, Greedy(40)).text;
  const ScoreResult a = shared->NewSession()->Score(prompt, text);
  const ScoreResult b = own->NewSession()->Score(prompt, text);
  ASSERT_EQ(a.tokens.size(), b.tokens.size());
  for (size_t i = 0; i < a.tokens.size(); ++i) EXPECT_NEAR(a.tokens[i].margin, b.tokens[i].margin, 1e-4) << i;
}

}  // namespace
}  // namespace relaygen
