// Trains a llama-architecture model on tokenized testbed examples with libtorch: AdamW (decay on
// matrices only), gradient-norm clipping, linear warmup then cosine decay, a fixed number of
// steps, everything seeded. The step count is fixed up front on purpose: a run sized from its
// first steps' speed stops wherever the machine's load puts it.
#ifndef RELAYGEN_TESTBED_TRAINER_H_
#define RELAYGEN_TESTBED_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "testbed/gguf_writer.h"
#include "testbed/llama_torch.h"
#include "testbed/tokenizer.h"

namespace relaygen {

struct TrainOptions {
  int steps = 1000;
  int batch = 16;            // sequences per step
  double lr = 3e-3;          // peak learning rate
  double min_lr_ratio = 0.1; // the cosine ends at lr * min_lr_ratio
  int warmup = 100;          // linear warmup steps
  double weight_decay = 0.1;
  double clip = 1.0;         // max global gradient norm
  uint64_t seed = 1;
  int threads = 2;
  int log_every = 50;

  void Validate() const;  // throws relaygen::Error
};

struct TrainLog {
  int step = 0;
  double loss = 0;          // mean over the last log_every steps (response tokens only)
  double lr = 0;
  double tokens_per_s = 0;  // real (non-padding) tokens
  double elapsed_s = 0;
};

struct TrainResult {
  double final_loss = 0;   // mean over the last 10% of steps
  double seconds = 0;
  int64_t tokens = 0;      // real tokens processed
  std::vector<TrainLog> log;
};

// The learning rate at `step` (0-based): linear warmup to lr, then cosine to lr * min_lr_ratio.
double LearningRate(const TrainOptions& options, int step);

// Trains `model` in place. Sequences are drawn in a seeded shuffled order, batched with others of
// similar length and padded to the longest of their batch; loss on response tokens only.
// `on_log` is called every log_every steps.
TrainResult Train(LlamaTorch& model, const std::vector<TokenizedExample>& examples, const TrainOptions& options,
                  const std::function<void(const TrainLog&)>& on_log = {});

// Mean next-token loss on response tokens of `examples` (evaluation, no gradients).
double EvalLoss(LlamaTorch& model, const std::vector<TokenizedExample>& examples, int batch = 16);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_TRAINER_H_
