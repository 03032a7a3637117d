// Sessions of one model sharing a batched context (LlamaOptions::n_parallel > 1), on the bundled
// testbed model: concurrent sessions are decoded together and each writes what it writes alone.
#include "engine/batched_context.h"

#include <gtest/gtest.h>

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

TEST(BatchedContext, ConcurrentSessionsWriteWhatEachWritesAloneInSharedBatches) {
  auto model = OpenShared(4);
  ASSERT_NE(model->batched_context(), nullptr);
  const std::vector<std::string> prompts = Prompts(*model);
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 4; ++i) sessions.push_back(model->NewSession());

  std::vector<std::string> alone;
  for (int i = 0; i < 4; ++i) alone.push_back(sessions[i]->Generate(prompts[i], Greedy(80)).text);
  const BatchedContext::Counters before = model->batched_context()->counters();

  // Fresh sessions (the old ones' caches hold the answers), all generating at once.
  sessions.clear();
  for (int i = 0; i < 4; ++i) sessions.push_back(model->NewSession());
  std::vector<std::string> together(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { together[i] = sessions[i]->Generate(prompts[i], Greedy(80)).text; });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(alone[i].empty());
    EXPECT_EQ(together[i], alone[i]) << "session " << i;
  }
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
