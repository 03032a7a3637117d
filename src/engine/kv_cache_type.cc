#include "engine/kv_cache_type.h"

#include "util/error.h"

namespace relaygen {

namespace {

// llama.cpp's common/arg.cpp kv_cache_types.
const ggml_type kTypes[] = {GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16,   GGML_TYPE_Q8_0, GGML_TYPE_Q4_0,
                            GGML_TYPE_Q4_1, GGML_TYPE_IQ4_NL, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1};

}  // namespace

const char* KvCacheTypeNames() { return "f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1"; }

ggml_type ParseKvCacheType(const std::string& name) {
  for (ggml_type t : kTypes) {
    if (name == ggml_type_name(t)) return t;
  }
  throw Error("unknown KV cache type '" + name + "' (allowed: " + KvCacheTypeNames() + ")");
}

}  // namespace relaygen
