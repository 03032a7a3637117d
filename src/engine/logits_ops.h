// Passes over one row of logits that run once per generated or scored token. With a real
// vocabulary (151,936 entries for Qwen) they cost a noticeable share of a small model's step on
// a GPU, so they are written for the compiler to vectorize (docs/real-models.md).
#ifndef RELAYGEN_ENGINE_LOGITS_OPS_H_
#define RELAYGEN_ENGINE_LOGITS_OPS_H_

namespace relaygen {

// The index of the first maximum of logits[0..n) (n > 0), as llama.cpp's greedy sampler picks it.
int ArgmaxFirst(const float* logits, int n);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_LOGITS_OPS_H_
