#include "engine/amx_guard.h"

#include <gguf.h>

#include <cstdlib>
#include <cstring>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace relaygen {
namespace {

bool CpuListsAmx() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return ((d >> 24) & 1) != 0;  // AMX-TILE
#else
  return false;
#endif
}

// The types ggml's AMX buffer type runs with integer tile kernels (ggml-cpu/amx/common.h).
bool AmxQuantized(ggml_type type) {
  switch (type) {
    case GGML_TYPE_Q4_0:
    case GGML_TYPE_Q4_1:
    case GGML_TYPE_Q8_0:
    case GGML_TYPE_Q4_K:
    case GGML_TYPE_Q5_K:
    case GGML_TYPE_Q6_K:
    case GGML_TYPE_IQ4_XS:
      return true;
    default:
      return false;
  }
}

bool HasAmxQuantizedTensor(const std::string& path) {
  gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* ctx = gguf_init_from_file(path.c_str(), params);
  if (ctx == nullptr) return false;  // llama.cpp's own load reports what is wrong with the file
  bool found = false;
  for (int64_t i = 0; i < gguf_get_n_tensors(ctx) && !found; ++i) found = AmxQuantized(gguf_get_tensor_type(ctx, i));
  gguf_free(ctx);
  return found;
}

}  // namespace

bool ExtraBufferTypesAreSafe(const std::string& gguf_path) {
  const char* allow = std::getenv("RELAYGEN_AMX");
  if (allow != nullptr && std::strcmp(allow, "1") == 0) return true;
  return !CpuListsAmx() || !HasAmxQuantizedTensor(gguf_path);
}

}  // namespace relaygen
