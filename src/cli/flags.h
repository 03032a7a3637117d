// Flag groups shared by several subcommands, spelled as llama.cpp spells them.
#ifndef RELAYGEN_CLI_FLAGS_H_
#define RELAYGEN_CLI_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/llama_engine.h"
#include "engine/speculative.h"
#include "eval/dataset.h"
#include "relay/policy_factory.h"

namespace CLI {
class App;
}

namespace relaygen {

// --temp --top-p --top-k --seed
void AddSamplingFlags(CLI::App* app, Sampling* sampling);

// -t/--threads -c/--ctx-size -b --flash-attn, and llama.cpp's model flags (AddLlamaModelFlags)
void AddEngineFlags(CLI::App* app, LlamaOptions* options);

// llama.cpp's flags for real models, spelled as llama.cpp spells them: -ngl/--n-gpu-layers,
// -ctk/--cache-type-k, -ctv/--cache-type-v, --mlock, --no-mmap, -tb/--threads-batch,
// -nr/--no-repack, -rea/--reasoning on|off (docs/real-models.md). CLI11 takes only one-letter
// short names, so the multi-letter ones reach it through ExpandLlamaShortFlags.
void AddLlamaModelFlags(CLI::App* app, LlamaOptions* options);

// argv[1..] with llama.cpp's multi-letter short flags (-ngl, -ctk, -ctv, -tb, -nr, -rea, also as
// -ngl=N) replaced by their long names, in order.
std::vector<std::string> ExpandLlamaShortFlags(int argc, char** argv);

// What one model of a pair sets apart from the shared engine flags (--large-ngl, --small-ctx, …).
struct ModelOverride {
  static constexpr int kInherit = -1000;
  int n_gpu_layers = kInherit;  // kInherit: -ngl
  int n_ctx = 0;                // 0: -c
};
// `engine` with `m` applied.
LlamaOptions ForModel(const LlamaOptions& engine, const ModelOverride& m);

// --large / --small / --profile with the bundled testbed pair and its cue profile as defaults;
// --large-url / --small-url put a running server (llama-server, vLLM, SGLang) in a model's place.
struct PairFlags {
  std::string large;
  std::string small;
  std::string profile;
  std::string large_url;         // "" = the embedded model at `large`
  std::string small_url;
  std::string server = "auto";   // llama | vllm | sglang | auto
  double server_timeout_s = 120; // the longest a server may stay silent mid-answer
  bool resend_text = false;      // send servers the transcript as text (the reference's handoff)
  ModelOverride large_model;     // --large-ngl --large-ctx
  ModelOverride small_model;     // --small-ngl --small-ctx
};
void AddPairFlags(CLI::App* app, PairFlags* flags, bool with_profile);

// --raw-handoff --no-prefill-ahead --substring-match --spec-config --router-threshold: how the
// policies behave, written straight into `options` (their defaults are the options' own). The
// relay's cues come from the cue profile (cli/opened_pair.h).
void AddPolicyFlags(CLI::App* app, PolicyOptions* options);

// --spec --spec-draft --spec-n-max --spec-p-min: speculative decoding in the large model's
// segments (engine/speculative.h), written into `options`. In generate, relay and eval --spec turns
// it on; in bench (and eval) a policy named `<policy>+spec` runs with it, drafting with --spec's
// drafter (the pair's small model when --spec is none).
void AddSpecFlags(CLI::App* app, SpecOptions* options);
// `policy` with the suffix +spec when --spec turned speculation on (generate, relay, eval).
std::string SpecPolicyName(const std::string& policy, const SpecOptions& options);
// Why `name` is no policy name (one of PolicyNames(), or one but small with +spec); "" if it is.
std::string PolicyNameError(const std::string& name);

// The prompt from -p TEXT or -f FILE (exactly one), checked for valid UTF-8.
struct PromptFlags {
  std::string prompt;
  std::string file;
  bool raw = false;  // --raw: use the text as is instead of rendering it as a user turn
};
void AddPromptFlags(CLI::App* app, PromptFlags* flags);
std::string ReadPrompt(const PromptFlags& flags);
// `user_text` as is with --raw, else as a user turn in `model`'s chat template.
std::string RenderPrompt(const Model& model, const PromptFlags& flags, const std::string& user_text);

// --data-dir --data-seed --gpqa-fixed-order --prompt-style: where a dataset is read from and how
// its problems are shown to the model.
void AddDatasetFlags(CLI::App* app, DatasetOptions* options);

// Registers the dataset "testbed": the testbed's test split bundled beside the pair.
void RegisterBundledDatasets();

// Where the bundled testbed pair lives: $RELAYGEN_MODELS, else <source dir>/models.
std::string BundledModelPath(const std::string& file_name);

}  // namespace relaygen

#endif  // RELAYGEN_CLI_FLAGS_H_
