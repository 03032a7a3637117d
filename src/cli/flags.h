// Flag groups shared by several subcommands, spelled as llama.cpp spells them.
#ifndef RELAYGEN_CLI_FLAGS_H_
#define RELAYGEN_CLI_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/llama_engine.h"
#include "eval/dataset.h"
#include "relay/policy_factory.h"

namespace CLI {
class App;
}

namespace relaygen {

// --temp --top-p --top-k --seed
void AddSamplingFlags(CLI::App* app, Sampling* sampling);

// -t/--threads -c/--ctx-size
void AddEngineFlags(CLI::App* app, LlamaOptions* options);

// --large / --small / --profile with the bundled testbed pair and its cue profile as defaults.
struct PairFlags {
  std::string large;
  std::string small;
  std::string profile;
};
void AddPairFlags(CLI::App* app, PairFlags* flags, bool with_profile);

// --raw-handoff --no-prefill-ahead --substring-match --spec-config --router-threshold: how the policies behave.
struct PolicyFlags {
  bool raw_handoff = false;
  bool no_prefill_ahead = false;
  bool substring_match = false;
  std::string spec_config;
  float router_threshold = TokenRouterOptions{}.threshold;
};
void AddPolicyFlags(CLI::App* app, PolicyFlags* flags);
// The options for running `policies`; reads the cue profile only if one of them needs it.
PolicyOptions MakePolicyOptions(const PolicyFlags& flags, const std::vector<std::string>& policies,
                                const std::string& profile_path);

// The models some policies need, opened once. The chat template comes from the large model when
// it is loaded (a pair shares one template family), else from the small one.
struct OpenedPair {
  std::unique_ptr<LlamaModel> large;
  std::unique_ptr<LlamaModel> small;
  const Model& chat_model() const { return large ? *large : *small; }
};
OpenedPair OpenPair(const PairFlags& flags, const LlamaOptions& options,
                    const std::vector<std::string>& policies);

// The prompt from -p TEXT or -f FILE (exactly one), checked for valid UTF-8.
struct PromptFlags {
  std::string prompt;
  std::string file;
  bool raw = false;  // --raw: use the text as is instead of rendering it as a user turn
};
void AddPromptFlags(CLI::App* app, PromptFlags* flags);
std::string ReadPrompt(const PromptFlags& flags);

// --data-dir --data-seed --gpqa-fixed-order --prompt-style: where a dataset is read from and how
// its problems are shown to the model.
void AddDatasetFlags(CLI::App* app, DatasetOptions* options);

// Registers the dataset "testbed": the testbed's test split bundled beside the pair.
void RegisterBundledDatasets();

// Where the bundled testbed pair lives: $RELAYGEN_MODELS, else <source dir>/models.
std::string BundledModelPath(const std::string& file_name);

}  // namespace relaygen

#endif  // RELAYGEN_CLI_FLAGS_H_
