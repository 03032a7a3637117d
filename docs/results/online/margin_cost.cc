// Cost of one top-2 margin (LlamaSession's TopTwoMargin, linked from the build) over a vocabulary.
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>
#include "engine/llama_session.h"
int main() {
  for (int n_vocab : {592, 151936}) {
    std::vector<float> logits(n_vocab);
    std::mt19937 rng(1);
    std::normal_distribution<float> d(0, 3);
    for (float& x : logits) x = d(rng);
    const int reps = n_vocab > 1000 ? 2000 : 200000;
    double sink = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) { logits[r % n_vocab] += 1e-6f; sink += relaygen::TopTwoMargin(logits.data(), n_vocab, -1, nullptr); }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
    std::printf("n_vocab %d: %.4f ms per margin (sink %.3f)\n", n_vocab, ms, sink);
  }
}
