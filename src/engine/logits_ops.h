// Passes over one row of logits that run once per generated or scored token. With a real
// vocabulary (151,936 entries for Qwen) they cost a noticeable share of a small model's step on
// a GPU, so they are written for the compiler to vectorize (docs/real-models.md).
#ifndef RELAYGEN_ENGINE_LOGITS_OPS_H_
#define RELAYGEN_ENGINE_LOGITS_OPS_H_

#include <vector>

namespace relaygen {

// The index of the first maximum of logits[0..n) (n > 0), as llama.cpp's greedy sampler picks it.
int ArgmaxFirst(const float* logits, int n);

// The indices of the k largest of logits[0..n) (0 < k <= n), largest first, equal values in index
// order: the candidates llama.cpp's top-k sampler keeps, in its order (it sorts by value), found in
// one pass without copying the row. NaNs are never kept.
void TopK(const float* logits, int n, int k, std::vector<int>* out);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_LOGITS_OPS_H_
