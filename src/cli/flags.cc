#include "cli/flags.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {

void AddSamplingFlags(CLI::App* app, Sampling* sampling) {
  // Defaults are the paper's protocol (SPEC §5, Qwen3): temperature 0.6, top-p 0.95, top-k 20.
  sampling->temperature = 0.6f;
  sampling->top_p = 0.95f;
  sampling->top_k = 20;
  sampling->seed = 42;
  app->add_option("--temp", sampling->temperature, "Temperature; 0 = greedy")
      ->capture_default_str()->check(CLI::Range(0.0f, 100.0f));
  app->add_option("--top-p", sampling->top_p, "Nucleus sampling threshold; 1 = off")
      ->capture_default_str()->check(CLI::Range(0.0f, 1.0f));
  app->add_option("--top-k", sampling->top_k, "Top-k sampling; 0 = off")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("--seed", sampling->seed, "Random seed (runs are reproducible for a seed)")
      ->capture_default_str();
}

void AddEngineFlags(CLI::App* app, LlamaOptions* options) {
  app->add_option("-t,--threads", options->n_threads, "CPU threads; 0 = all cores")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("-c,--ctx-size", options->n_ctx,
                  "Context window in tokens; 0 = the model's training context, capped at 16384")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("-b,--batch-size", options->n_batch, "Prompt-processing batch size")
      ->capture_default_str()->check(CLI::PositiveNumber);
}

std::string BundledModelPath(const std::string& file_name) {
  const char* dir = std::getenv("RELAYGEN_MODELS");
  return std::string(dir != nullptr && *dir != '\0' ? dir : RELAYGEN_SOURCE_DIR "/models") + "/" +
         file_name;
}

void AddPairFlags(CLI::App* app, PairFlags* flags, bool with_profile) {
  flags->large = BundledModelPath("testbed-large.gguf");
  flags->small = BundledModelPath("testbed-small.gguf");
  app->add_option("--large", flags->large, "Large model (GGUF)")->capture_default_str();
  app->add_option("--small", flags->small, "Small model (GGUF)")->capture_default_str();
  if (with_profile) {
    flags->profile = BundledModelPath("testbed-cues.json");
    app->add_option("--profile", flags->profile, "Cue profile from `relaygen calibrate`")
        ->capture_default_str();
  }
}

void AddPromptFlags(CLI::App* app, PromptFlags* flags) {
  auto* p = app->add_option("-p,--prompt", flags->prompt, "Prompt text");
  auto* f = app->add_option("-f,--file", flags->file, "Read the prompt from a file");
  p->excludes(f);
  app->add_flag("--raw", flags->raw,
                "Use the prompt as is; by default it is a user turn rendered with the model's chat template");
}

std::string ReadPrompt(const PromptFlags& flags) {
  std::string text = flags.prompt;
  if (!flags.file.empty()) {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) throw Error("cannot read prompt file '" + flags.file + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else if (text.empty()) {
    throw Error("no prompt: pass -p TEXT or -f FILE");
  }
  const size_t bad = FirstInvalidUtf8(text);
  if (bad != text.size()) {
    throw Error("the prompt is not valid UTF-8 (first invalid byte at offset " + std::to_string(bad) + ")");
  }
  return text;
}

}  // namespace relaygen
