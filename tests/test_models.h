// Models and reference files for tests. Nothing is downloaded: test models are written on first
// use by the make_test_model tool; vocab-only GGUFs and reference tools come from the llama.cpp
// build relaygen links against.
#ifndef RELAYGEN_TESTS_TEST_MODELS_H_
#define RELAYGEN_TESTS_TEST_MODELS_H_

#include <string>
#include <vector>

namespace relaygen {

// Path of the test model `name` under $RELAYGEN_TEST_DATA, written by make_test_model on first use
// (and again whenever the tool is newer than the file). Safe when several test processes ask at
// once: the tool writes a temporary file and renames it.
//
// With `args` empty, `name` must be one of the standard models (all share one vocabulary):
//   "tiny.gguf"       64 dim, 2 layers, 4 heads, n_ff 128, F32, seed 1
//   "tiny-b.gguf"     the same shape with seed 2 (a second model for two-model tests)
//   "tiny-f16.gguf"   seed 1 stored as F16
//   "tiny-q8_0.gguf"  seed 1 stored as Q8_0
// Otherwise `args` are passed to make_test_model (e.g. {"--n-layer", "4", "--seed", "7"}); give
// each distinct set of args its own name.
std::string TestModelPath(const std::string& name = "tiny.gguf", const std::vector<std::string>& args = {});

// Path of a scratch file `name` under $RELAYGEN_TEST_DATA (created if missing; "testdata" when unset).
std::string TestDataPath(const std::string& name);

// A vocab-only GGUF shipped with llama.cpp, e.g. LlamaVocabPath("ggml-vocab-qwen2.gguf").
std::string LlamaVocabPath(const std::string& file);

// A reference tool of the same llama.cpp build, e.g. LlamaToolPath("llama-completion").
std::string LlamaToolPath(const std::string& tool);

// Real-shaped test models (docs/real-models.md): Qwen2's real 151k-token vocabulary from
// llama.cpp's vocab-only GGUF with a family's added tokens, the family's real chat template
// (testdata/templates/), its architecture, random weights at tiny widths. `family` is "qwen3"
// (qwen3 architecture, Qwen3-0.6B's template) or "r1-distill" (qwen2 architecture with q/k/v
// biases, DeepSeek-R1-Distill-Qwen-32B's template; its large model padded to 152,064 entries as
// the 32B is, the small to 151,936 as the 1.5B). `role` is "large" (256 wide, Q4_K_M via
// llama_model_quantize), "small" (128 wide, Q8_0), "large-thinks-no-more" (the large model with
// </think> forced as every next token) or "small-writes-a-lead-byte" (the small model with byte
// 0xE4, a lone lead byte of a 3-byte UTF-8 character, forced as every next token).
std::string RealShapedModelPath(const std::string& family, const std::string& role);

// A chat template committed under testdata/templates/ (copied from llama.cpp's models/templates/).
std::string TemplatePath(const std::string& file);

// A file of the bundled testbed pair, e.g. BundledModelFile("testbed-small.gguf").
std::string BundledModelFile(const std::string& file);

}  // namespace relaygen

#endif  // RELAYGEN_TESTS_TEST_MODELS_H_
