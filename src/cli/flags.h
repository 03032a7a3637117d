// Flag groups shared by several subcommands, spelled as llama.cpp spells them.
#ifndef RELAYGEN_CLI_FLAGS_H_
#define RELAYGEN_CLI_FLAGS_H_

#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/llama_engine.h"

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

// The prompt from -p TEXT or -f FILE (exactly one), checked for valid UTF-8.
struct PromptFlags {
  std::string prompt;
  std::string file;
  bool raw = false;  // --raw: use the text as is instead of rendering it as a user turn
};
void AddPromptFlags(CLI::App* app, PromptFlags* flags);
std::string ReadPrompt(const PromptFlags& flags);

// Where the bundled testbed pair lives: $RELAYGEN_MODELS, else <source dir>/models.
std::string BundledModelPath(const std::string& file_name);

}  // namespace relaygen

#endif  // RELAYGEN_CLI_FLAGS_H_
