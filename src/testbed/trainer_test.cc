// Smoke test of the whole testbed path (CI, label "testbed"): data, tokenizer, a few training
// steps of a tiny model, GGUF export, llama.cpp load, logits match.
#include "testbed/trainer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "llama.h"
#include "testbed/bpe.h"
#include "testbed/chat_template.h"
#include "testbed/logits_check.h"
#include "testbed/task.h"
#include "testbed/tokenizer.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

std::string DataPath(const std::string& name) { return TestDataPath(name); }

TEST(TrainerTest, TrainExportAndMatchLlamaCppLogits) {
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  llama_backend_init();
  const TaskSplits splits = MakeTaskSplits(11, 200, 0, 8, TaskOptions{});
  std::vector<std::string> texts;
  for (const Problem& p : splits.train) {
    texts.push_back(p.UserMessage());
    texts.push_back(p.response);
  }
  const BpeVocab vocab = BuildByteLevelVocab(LearnBpeMerges(texts, 100));
  const std::string vocab_path = DataPath("trainer_test_vocab.gguf");
  WriteVocabGguf(vocab_path, vocab, Qwen3ChatTemplate());
  const TestbedTokenizer tokenizer(vocab_path);
  ASSERT_EQ(tokenizer.n_vocab(), static_cast<int>(vocab.tokens.size()));
  const std::vector<TokenizedExample> train = TokenizeProblems(tokenizer, splits.train);
  const std::vector<TokenizedExample> test = TokenizeProblems(tokenizer, splits.test);
  EXPECT_EQ(tokenizer.Decode(train[0].tokens),
            "user\n" + splits.train[0].UserMessage() + "\nassistant\n" + splits.train[0].response);

  LlamaConfig config;
  config.n_vocab = tokenizer.n_vocab();
  config.n_embd = 32;
  config.n_layer = 2;
  config.n_head = 4;
  config.n_head_kv = 2;
  config.n_ff = 64;
  config.n_ctx_train = 1024;  // 100 merges leave examples longer than the real tokenizer does
  torch::manual_seed(1);
  LlamaTorch model(config);
  const double before = EvalLoss(model, test);
  TrainOptions opt;
  opt.steps = 30;
  opt.batch = 4;
  opt.warmup = 5;
  opt.lr = 1e-2;
  opt.log_every = 10;
  const TrainResult result = Train(model, train, opt);
  ASSERT_EQ(result.log.size(), 3u);
  const double after = EvalLoss(model, test);
  EXPECT_LT(after, before - 0.5) << "training must lower the held-out loss";

  // Tokens in no_loss (the digits of injected slips) are left out of the loss: masking every
  // response token leaves nothing to learn from, masking one changes the mean.
  TokenizedExample masked = test[0];
  for (int t = masked.prompt_len; t < static_cast<int>(masked.tokens.size()); ++t) masked.no_loss.push_back(t);
  EXPECT_EQ(EvalLoss(model, {masked}), 0.0);
  masked.no_loss = {masked.prompt_len + 3};
  EXPECT_NE(EvalLoss(model, {masked}), EvalLoss(model, {test[0]}));

  GgufModel gguf;
  gguf.name = "trainer-test";
  gguf.config = config;
  gguf.vocab = vocab;
  gguf.chat_template = Qwen3ChatTemplate();
  gguf.tensors = model->ExportTensors();
  const std::string path = DataPath("trainer_test.gguf");
  WriteLlamaGguf(path, gguf, WeightType::kF32);
  std::vector<int32_t> tokens = test[0].tokens;
  while (tokens.size() < 256) tokens.insert(tokens.end(), test[1].tokens.begin(), test[1].tokens.end());
  tokens.resize(256);
  const LogitsComparison cmp = CompareLogitsWithLlamaCpp(model, path, tokens);
  EXPECT_EQ(cmp.n_tokens, 256);
  EXPECT_LT(cmp.max_abs_diff, 1e-3);
  EXPECT_EQ(cmp.argmax_agree, 256);

  // Reading the GGUF back gives the same weights and config (what `testbed check-logits` and
  // `train --init` rely on).
  const GgufModel back = ReadLlamaGguf(path);
  EXPECT_EQ(back.config.n_head_kv, 2);
  EXPECT_EQ(back.vocab.merges, vocab.merges);
  LlamaTorch copy(back.config);
  copy->ImportTensors(back.tensors);
  const torch::Tensor input = torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.begin() + 32)).unsqueeze(0);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(model->forward(input), copy->forward(input)));
  std::remove(path.c_str());
  std::remove(vocab_path.c_str());
}

TEST(TrainerTest, ScheduleAndBadOptions) {
  TrainOptions o;
  o.steps = 100;
  o.warmup = 10;
  o.lr = 1.0;
  o.min_lr_ratio = 0.1;
  EXPECT_NEAR(LearningRate(o, 0), 0.1, 1e-12);
  EXPECT_NEAR(LearningRate(o, 9), 1.0, 1e-12);
  EXPECT_NEAR(LearningRate(o, 10), 1.0, 1e-12);
  EXPECT_NEAR(LearningRate(o, 55), 0.55, 1e-9);
  EXPECT_NEAR(LearningRate(o, 100), 0.1, 1e-12);
  o.warmup = 100;
  EXPECT_THROW(o.Validate(), Error);
}

}  // namespace
}  // namespace relaygen
