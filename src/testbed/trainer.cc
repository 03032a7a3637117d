#include "testbed/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "testbed/rng.h"
#include "util/error.h"

namespace relaygen {

namespace {

struct Batch {
  torch::Tensor inputs;   // [B, T] int64
  torch::Tensor targets;  // [B, T] int64
  torch::Tensor mask;     // [B, T] float: 1 where the target is a response token
  int64_t real_tokens = 0;
};

Batch MakeBatch(const std::vector<TokenizedExample>& examples, const std::vector<size_t>& ids) {
  size_t T = 0;
  for (size_t id : ids) T = std::max(T, examples[id].tokens.size() - 1);
  const int64_t B = static_cast<int64_t>(ids.size());
  Batch b;
  b.inputs = torch::zeros({B, static_cast<int64_t>(T)}, torch::kInt64);
  b.targets = torch::zeros({B, static_cast<int64_t>(T)}, torch::kInt64);
  b.mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kFloat32);
  auto in = b.inputs.accessor<int64_t, 2>();
  auto tg = b.targets.accessor<int64_t, 2>();
  auto mk = b.mask.accessor<float, 2>();
  for (int64_t i = 0; i < B; ++i) {
    const TokenizedExample& e = examples[ids[i]];
    for (size_t t = 0; t + 1 < e.tokens.size(); ++t) {
      in[i][t] = e.tokens[t];
      tg[i][t] = e.tokens[t + 1];
      // Position t predicts token t+1: train where that token belongs to the response.
      mk[i][t] = static_cast<int>(t + 1) >= e.prompt_len ? 1.0f : 0.0f;
    }
    // Injected slips: the context keeps them, the loss does not (the model learns the repair).
    for (int t : e.no_loss) mk[i][t - 1] = 0.0f;
    b.real_tokens += static_cast<int64_t>(e.tokens.size() - 1);
  }
  return b;
}

torch::Tensor MaskedLoss(const torch::Tensor& logits, const Batch& b) {
  const int64_t V = logits.size(-1);
  const torch::Tensor per_token = torch::nn::functional::cross_entropy(
      logits.reshape({-1, V}), b.targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  const torch::Tensor mask = b.mask.reshape({-1});
  return (per_token * mask).sum() / mask.sum().clamp_min(1.0);
}

void Shuffle(std::vector<size_t>* v, Rng& rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[rng.Next() % i]);
}

// One epoch of batches of similar length, so little compute goes to padding: shuffle, sort windows
// of 64 batches' worth by length, cut them into batches, shuffle the batch order. A remainder
// smaller than a batch is left for a later epoch's shuffle.
std::vector<std::vector<size_t>> EpochBatches(const std::vector<TokenizedExample>& examples, int batch, Rng& rng) {
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  Shuffle(&order, rng);
  const size_t window = static_cast<size_t>(batch) * 64;
  for (size_t w = 0; w < order.size(); w += window) {
    std::stable_sort(order.begin() + w, order.begin() + std::min(order.size(), w + window),
                     [&](size_t a, size_t b) { return examples[a].tokens.size() < examples[b].tokens.size(); });
  }
  std::vector<std::vector<size_t>> batches;
  for (size_t i = 0; i + batch <= order.size(); i += batch) batches.emplace_back(order.begin() + i, order.begin() + i + batch);
  std::vector<size_t> perm(batches.size());
  std::iota(perm.begin(), perm.end(), 0);
  Shuffle(&perm, rng);
  std::vector<std::vector<size_t>> out;
  for (size_t i : perm) out.push_back(std::move(batches[i]));
  return out;
}

}  // namespace

void TrainOptions::Validate() const {
  if (steps <= 0 || batch <= 0 || threads <= 0 || log_every <= 0) throw Error("train: steps, batch, threads and log_every must be positive");
  if (!(lr > 0) || min_lr_ratio < 0 || min_lr_ratio > 1) throw Error("train: need lr > 0 and 0 <= min_lr_ratio <= 1");
  if (warmup < 0 || warmup >= steps) throw Error("train: warmup must be in [0, steps)");
  if (weight_decay < 0 || !(clip > 0)) throw Error("train: need weight_decay >= 0 and clip > 0");
}

double LearningRate(const TrainOptions& o, int step) {
  if (step < o.warmup) return o.lr * (step + 1) / o.warmup;
  const double progress = static_cast<double>(step - o.warmup) / std::max(1, o.steps - o.warmup);
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  return o.lr * (o.min_lr_ratio + (1.0 - o.min_lr_ratio) * cosine);
}

TrainResult Train(LlamaTorch& model, const std::vector<TokenizedExample>& examples, const TrainOptions& options,
                  const std::function<void(const TrainLog&)>& on_log) {
  options.Validate();
  if (examples.size() < static_cast<size_t>(options.batch)) throw Error("train: fewer examples than one batch");
  for (const TokenizedExample& e : examples) {
    if (e.tokens.size() < 2 || e.prompt_len >= static_cast<int>(e.tokens.size())) throw Error("train: an example has no response tokens");
    if (static_cast<int>(e.tokens.size()) > model->config().n_ctx_train) {
      throw Error("train: an example of " + std::to_string(e.tokens.size()) + " tokens exceeds the context of " +
                  std::to_string(model->config().n_ctx_train));
    }
  }
  torch::set_num_threads(options.threads);
  model->train();

  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model->DecayedParameters(),
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(options.lr).betas({0.9, 0.95}).weight_decay(options.weight_decay)));
  groups.emplace_back(model->UndecayedParameters(),
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(options.lr).betas({0.9, 0.95}).weight_decay(0.0)));
  torch::optim::AdamW optimizer(std::move(groups));

  Rng rng(options.seed ^ 0x5EEDDA7AULL);
  std::vector<std::vector<size_t>> epoch;
  size_t cursor = 0;

  TrainResult result;
  const auto start = std::chrono::steady_clock::now();
  double window_loss = 0, tail_loss = 0;
  int window_n = 0, tail_n = 0;
  int64_t window_tokens = 0;
  auto window_start = start;
  for (int step = 0; step < options.steps; ++step) {
    if (cursor == epoch.size()) {
      epoch = EpochBatches(examples, options.batch, rng);
      cursor = 0;
    }
    const Batch batch = MakeBatch(examples, epoch[cursor++]);
    const double lr = LearningRate(options, step);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

    optimizer.zero_grad();
    const torch::Tensor loss = MaskedLoss(model->forward(batch.inputs), batch);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), options.clip);
    optimizer.step();

    const double l = loss.item<double>();
    if (!std::isfinite(l)) throw Error("train: the loss diverged at step " + std::to_string(step) + "; lower --lr");
    window_loss += l;
    ++window_n;
    window_tokens += batch.real_tokens;
    result.tokens += batch.real_tokens;
    if (step >= options.steps - std::max(1, options.steps / 10)) {
      tail_loss += l;
      ++tail_n;
    }
    if ((step + 1) % options.log_every == 0 || step + 1 == options.steps) {
      const auto now = std::chrono::steady_clock::now();
      TrainLog entry;
      entry.step = step + 1;
      entry.loss = window_loss / window_n;
      entry.lr = lr;
      entry.tokens_per_s = window_tokens / std::max(1e-9, std::chrono::duration<double>(now - window_start).count());
      entry.elapsed_s = std::chrono::duration<double>(now - start).count();
      result.log.push_back(entry);
      if (on_log) on_log(entry);
      window_loss = 0;
      window_n = 0;
      window_tokens = 0;
      window_start = now;
    }
  }
  result.final_loss = tail_loss / std::max(1, tail_n);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  model->eval();
  return result;
}

double EvalLoss(LlamaTorch& model, const std::vector<TokenizedExample>& examples, int batch) {
  torch::NoGradGuard no_grad;
  double total = 0, weight = 0;
  for (size_t i = 0; i < examples.size(); i += batch) {
    std::vector<size_t> ids;
    for (size_t j = i; j < std::min(examples.size(), i + batch); ++j) ids.push_back(j);
    const Batch b = MakeBatch(examples, ids);
    const double w = b.mask.sum().item<double>();
    total += MaskedLoss(model->forward(b.inputs), b).item<double>() * w;
    weight += w;
  }
  return weight > 0 ? total / weight : 0.0;
}

}  // namespace relaygen
