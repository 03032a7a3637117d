// The KV cache types llama.cpp accepts for -ctk/-ctv, by the names its tools use.
#ifndef RELAYGEN_ENGINE_KV_CACHE_TYPE_H_
#define RELAYGEN_ENGINE_KV_CACHE_TYPE_H_

#include <ggml.h>

#include <string>

namespace relaygen {

// "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1" (llama.cpp's list for
// -ctk/-ctv). Throws relaygen::Error naming the allowed values otherwise.
ggml_type ParseKvCacheType(const std::string& name);

// The names above, comma-separated (for help texts and errors).
const char* KvCacheTypeNames();

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_KV_CACHE_TYPE_H_
