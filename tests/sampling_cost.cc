// sampling_cost: what drawing one sampled token costs over a real-sized vocabulary, the way
// LlamaSession::DrawToken did it before (a candidate array of every logit for llama.cpp's chain
// to sort) and does it now (TopK's k best, sorted, for the chain). The paper's Qwen3 sampling:
// top-k 20, top-p 0.95, temperature 0.6, then the draw (docs/real-models.md, item 6).
//
//   sampling_cost [N_VOCAB] [ROWS]   → one line per way: "<way> <ms per token>"
#include <llama.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "engine/logits_ops.h"

namespace {

llama_sampler* Chain() {
  llama_sampler* chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
  llama_sampler_chain_add(chain, llama_sampler_init_top_k(20));
  llama_sampler_chain_add(chain, llama_sampler_init_top_p(0.95f, 1));
  llama_sampler_chain_add(chain, llama_sampler_init_temp(0.6f));
  llama_sampler_chain_add(chain, llama_sampler_init_dist(1));
  return chain;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 151936;
  const int rows = argc > 2 ? std::atoi(argv[2]) : 300;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 3);  // a random-weight model's spread of logits
  std::vector<float> logits(n);
  for (float& v : logits) v = normal(rng);
  std::vector<llama_token_data> candidates;
  std::vector<int> top;
  for (const bool whole : {true, false}) {
    llama_sampler* chain = Chain();
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < rows; ++r) {
      logits[(r * 7919) % n] += 5;  // another peak each row
      bool sorted = false;
      if (whole) {
        candidates.resize(n);
        for (int t = 0; t < n; ++t) candidates[t] = {t, logits[t], 0.0f};
      } else {
        relaygen::TopK(logits.data(), n, 20, &top);
        candidates.resize(top.size());
        for (size_t j = 0; j < top.size(); ++j) candidates[j] = {top[j], logits[top[j]], 0.0f};
        sorted = true;
      }
      llama_token_data_array array = {candidates.data(), candidates.size(), -1, sorted};
      llama_sampler_apply(chain, &array);
      llama_sampler_accept(chain, array.data[array.selected].id);
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s %.4f\n", whole ? "whole-vocabulary-array" : "top-k-first", ms / rows);
    llama_sampler_free(chain);
  }
  return 0;
}
