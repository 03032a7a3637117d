// Whether llama.cpp may hand a model's weights to its CPU "extra buffer types" (weight repacking
// and AMX), which it does by default.
//
// Some virtual machines list AMX in CPUID but fault on its integer tile kernels: on the 2-vCPU
// Firecracker VM relaygen is developed on, the first Q8_0 product in ggml's AMX buffer type dies
// with SIGILL and Q4_K with SIGSEGV (docs/real-models.md), while F16 weights in the same buffer
// type run fine and make the testbed's small model 1.9x faster. So only the combination that
// faults is avoided: a CPU that lists AMX and a model with a quantized type ggml's AMX kernels
// take. RELAYGEN_AMX=1 allows it (a machine whose AMX works); -nr/--no-repack always refuses.
#ifndef RELAYGEN_ENGINE_AMX_GUARD_H_
#define RELAYGEN_ENGINE_AMX_GUARD_H_

#include <string>

namespace relaygen {

bool ExtraBufferTypesAreSafe(const std::string& gguf_path);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_AMX_GUARD_H_
