// The AMX guard (amx_guard.h): on a CPU that lists AMX, quantized weights stay off ggml's AMX
// buffer type, F16 weights do not. On the development VM a 256-wide Q8_0 model dies of SIGILL in
// its first decode without the guard, so the last test fails (the process dies) if it breaks.
#include "engine/amx_guard.h"

#include <gtest/gtest.h>

#include <cstdlib>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "engine/llama_engine.h"
#include "test_models.h"

namespace relaygen {
namespace {

bool ListsAmx() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 && ((d >> 24) & 1) != 0;
#else
  return false;
#endif
}

std::string WideQ8Model() {
  return TestModelPath("amx-guard-q8_0.gguf", {"--n-embd", "256", "--n-layer", "2", "--n-head", "4", "--n-ff", "1024",
                                               "--seed", "5", "--type", "q8_0"});
}

TEST(AmxGuard, F16WeightsKeepTheExtraBufferTypes) {
  EXPECT_TRUE(ExtraBufferTypesAreSafe(TestModelPath("tiny-f16.gguf")));
}

TEST(AmxGuard, QuantizedWeightsStayOffAmxWhereTheCpuListsIt) {
  EXPECT_EQ(ExtraBufferTypesAreSafe(WideQ8Model()), !ListsAmx());
  setenv("RELAYGEN_AMX", "1", 1);
  EXPECT_TRUE(ExtraBufferTypesAreSafe(WideQ8Model()));
  unsetenv("RELAYGEN_AMX");
}

TEST(AmxGuard, AWideQ8ModelDecodesWithoutFlags) {
  auto model = LlamaModel::Open(WideQ8Model());
  SegmentRequest request;
  request.max_tokens = 8;
  const Segment seg = model->NewSession()->Generate("<|im_start|>user\nSo the answer is", request);
  EXPECT_EQ(seg.tokens.size(), 8u);
}

}  // namespace
}  // namespace relaygen
