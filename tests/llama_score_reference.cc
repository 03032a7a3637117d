// llama_score_reference: llama.cpp's own all-logits decode, the reference for relaygen's
// teacher-forced scoring (scripts/bench_real_shaped.sh). llama-bench -pp keeps one logits row per
// batch; scoring needs every row, and with a 151,936-token vocabulary the output projection of
// every row is most of the work. This does what llama-perplexity does (not built in relaygen's
// llama.cpp prefix): decode TEXT in batches of 512 with logits for every token, and read each row
// once (its maximum, so nothing is optimised away).
//
//   llama_score_reference MODEL.gguf TEXT_FILE THREADS   → prints "<tokens> <ms> <tokens/s>"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "llama.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: llama_score_reference MODEL.gguf TEXT_FILE THREADS\n");
    return 2;
  }
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  llama_backend_init();
  llama_model* model = llama_model_load_from_file(argv[1], llama_model_default_params());
  if (model == nullptr) return 1;
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const llama_vocab* vocab = llama_model_get_vocab(model);
  std::vector<llama_token> tokens(text.size() + 8);
  tokens.resize(llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), true, true));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(tokens.size() + 16);
  cp.n_batch = cp.n_ubatch = 512;
  cp.n_threads = cp.n_threads_batch = std::atoi(argv[3]);
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  llama_batch batch = llama_batch_init(512, 0, 1);
  float sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t at = 0; at < tokens.size(); at += 512) {
    const int n = static_cast<int>(std::min<size_t>(512, tokens.size() - at));
    for (int i = 0; i < n; ++i) {
      batch.token[i] = tokens[at + i];
      batch.pos[i] = static_cast<llama_pos>(at + i);
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = 1;
    }
    batch.n_tokens = n;
    if (llama_decode(ctx, batch) != 0) return 1;
    for (int i = 0; i < n; ++i) {
      const float* row = llama_get_logits_ith(ctx, i);
      float best = row[0];
      for (int t = 1; t < n_vocab; ++t) best = row[t] > best ? row[t] : best;
      sink += best;
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu %.1f %.1f\n", tokens.size(), ms, 1000.0 * static_cast<double>(tokens.size()) / ms);
  std::fprintf(stderr, "(checksum %g)\n", static_cast<double>(sink));
  llama_batch_free(batch);
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}
