#include "cli/flags.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/kv_cache_type.h"
#include "eval/dataset.h"
#include "relay/cue_profile.h"
#include "relay/spec_thinking.h"
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
  app->add_flag("--ignore-eos", sampling->ignore_eos,
                "Never draw an end-of-generation token: write until a stop or the budget (-n), as llama.cpp's "
                "--ignore-eos (benchmarks and load tests of a fixed length)");
}

void AddEngineFlags(CLI::App* app, LlamaOptions* options) {
  app->add_option("-t,--threads", options->n_threads, "CPU threads; 0 = all cores (one for models under 20M parameters)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("-c,--ctx-size", options->n_ctx,
                  "Context window in tokens; 0 = the model's training context, capped at 16384")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("-b,--batch-size", options->n_batch, "Prompt-processing batch size")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app->add_option("--flash-attn", options->flash_attn, "Flash attention: on, off or auto (llama.cpp decides)")
      ->capture_default_str()->check(CLI::IsMember({"on", "off", "auto"}));
  AddLlamaModelFlags(app, options);
}

void AddLlamaModelFlags(CLI::App* app, LlamaOptions* options) {
  app->add_option("--n-gpu-layers,--gpu-layers", options->n_gpu_layers,
                  "-ngl: layers to offload to the GPU (both models; --large-ngl/--small-ngl apart); -1 = all")
      ->capture_default_str();
  app->add_option("--cache-type-k", options->cache_type_k, std::string("-ctk: KV cache type of K: ") + KvCacheTypeNames())
      ->capture_default_str();
  app->add_option("--cache-type-v", options->cache_type_v,
                  std::string("-ctv: KV cache type of V (quantized types need flash attention): ") + KvCacheTypeNames())
      ->capture_default_str();
  app->add_flag("--mlock", options->use_mlock, "Lock the weights in RAM (no swapping)");
  app->add_flag("--no-mmap{false}", options->use_mmap, "Read the weights into memory instead of mapping the file");
  app->add_flag("--no-repack{false}", options->repack,
                "-nr: no weight repacking or AMX buffers (llama.cpp's --no-repack; see docs/real-models.md)");
  app->add_option("--threads-batch", options->n_threads_batch,
                  "-tb: CPU threads for prefill and teacher-forced scoring; 0 = same as -t")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option_function<std::string>(
         "--reasoning", [options](const std::string& v) { options->thinking = v == "on"; },
         "-rea: thinking in the chat prompt: on, or off (the template's enable_thinking=false rendering)")
      ->default_str("on")
      ->check(CLI::IsMember({"on", "off"}));
}

std::vector<std::string> ExpandLlamaShortFlags(int argc, char** argv) {
  static const std::pair<const char*, const char*> kShort[] = {{"-ngl", "--n-gpu-layers"},
                                                               {"-ctk", "--cache-type-k"},
                                                               {"-ctv", "--cache-type-v"},
                                                               {"-tb", "--threads-batch"},
                                                               {"-nr", "--no-repack"},
                                                               {"-rea", "--reasoning"},
                                                               {"-np", "--parallel"}};
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    for (const auto& [short_name, long_name] : kShort) {
      const std::string s(short_name);
      if (arg == s || arg.compare(0, s.size() + 1, s + "=") == 0) arg = long_name + arg.substr(s.size());
    }
    out.push_back(std::move(arg));
  }
  return out;
}

LlamaOptions ForModel(const LlamaOptions& engine, const ModelOverride& m) {
  LlamaOptions o = engine;
  if (m.n_gpu_layers != ModelOverride::kInherit) o.n_gpu_layers = m.n_gpu_layers;
  if (m.n_ctx > 0) o.n_ctx = m.n_ctx;
  return o;
}

void AddDatasetFlags(CLI::App* app, DatasetOptions* options) {
  app->add_option("--data-dir", options->data_dir, "Where the datasets are (default: $RELAYGEN_DATA or ../shared/datasets)");
  app->add_option("--data-seed", options->seed, "Seed of GPQA's option shuffle")->capture_default_str();
  app->add_flag("--gpqa-fixed-order", options->gpqa_fixed_order, "GPQA options as the reference shows them (A always correct)");
  app->add_option_function<std::string>(
         "--prompt-style", [options](const std::string& style) { options->prompt_style = ParsePromptStyle(style); },
         "clean | reference (byte-exact reference user message)")
      ->default_str("clean")
      ->check(CLI::IsMember({"clean", "reference"}));
}

std::string BundledModelPath(const std::string& file_name) {
  const char* dir = std::getenv("RELAYGEN_MODELS");
  return std::string(dir != nullptr && *dir != '\0' ? dir : RELAYGEN_SOURCE_DIR "/models") + "/" +
         file_name;
}

void RegisterBundledDatasets() {
  RegisterDataset("testbed", [](const DatasetOptions& options) {
    return LoadJsonlProblems(BundledModelPath("testbed-test.jsonl"), "testbed", options);
  });
}

void AddPairFlags(CLI::App* app, PairFlags* flags, bool with_profile) {
  flags->large = BundledModelPath("testbed-large.gguf");
  flags->small = BundledModelPath("testbed-small.gguf");
  app->add_option("--large", flags->large, "Large model (GGUF)")->capture_default_str();
  app->add_option("--small", flags->small, "Small model (GGUF)")->capture_default_str();
  app->add_option("--large-url", flags->large_url, "Large model served at this URL (http://host:port) instead of --large");
  app->add_option("--small-url", flags->small_url, "Small model served at this URL instead of --small");
  app->add_option("--server", flags->server, "Kind of the servers at --large-url/--small-url: llama, vllm, sglang or auto")
      ->capture_default_str()->check(CLI::IsMember({"auto", "llama", "vllm", "sglang"}));
  app->add_option("--server-timeout", flags->server_timeout_s, "Seconds a server may stay silent mid-answer")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app->add_flag("--resend-text", flags->resend_text,
                "Send servers the whole transcript as text at every handoff, as the paper's reference client does "
                "(default: token ids, so no text is tokenized twice)");
  app->add_option("--large-ngl", flags->large_model.n_gpu_layers, "-ngl for the large model only");
  app->add_option("--small-ngl", flags->small_model.n_gpu_layers, "-ngl for the small model only");
  app->add_option("--large-ctx", flags->large_model.n_ctx, "-c for the large model only")->check(CLI::PositiveNumber);
  app->add_option("--small-ctx", flags->small_model.n_ctx, "-c for the small model only")->check(CLI::PositiveNumber);
  if (with_profile) {
    flags->profile = BundledModelPath("testbed-cues.json");
    app->add_option("--profile", flags->profile, "Cue profile from `relaygen calibrate`")
        ->capture_default_str();
  }
}

void AddPolicyFlags(CLI::App* app, PolicyOptions* options) {
  app->add_flag("--raw-handoff", options->relay.raw_handoff,
                "Hand over text as the reference does: no token healing after a cue ending in a space");
  app->add_flag("--no-prefill-ahead{false}", options->relay.prefill_ahead,
                "No prefill ahead: the idle model does not prefill while the other writes, so each handoff prefills all "
                "the text it has not seen, as the reference does");
  app->add_flag_callback(
      "--substring-match", [options] { options->relay.match = CueMatch::kSubstring; },
      "Cues fire inside words too, as the reference's plain stop strings (`Now` in `Nowhere`)");
  app->add_option_function<std::string>(
      "--spec-config",
      [options](const std::string& path) {
        try {
          options->spec_thinking = LoadSpecThinkingConfig(path);
        } catch (const Error& e) {
          throw CLI::ValidationError("--spec-config", e.what());
        }
      },
      "spec-thinking settings (JSON; see docs/relay.md)");
  app->add_option("--router-threshold", options->token_router.threshold,
                  "token-router: the large model writes a token when the small model's top-2 margin is below this")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 1.0f));
}

void AddSpecFlags(CLI::App* app, SpecOptions* options) {
  app->add_option("--spec", options->drafter,
                  "Speculative decoding in the large model's segments: draft (a draft model: --spec-draft, else the "
                  "pair's small model), ngram (lookup in the transcript) or none")
      ->capture_default_str()
      ->check(CLI::IsMember(SpecDrafterNames()));
  app->add_option("--spec-draft", options->draft_model,
                  "Draft model (GGUF) for --spec draft; its vocabulary must be the large model's (default: the pair's "
                  "small model)");
  app->add_option("--spec-n-max", options->n_max, "Drafted tokens per verify batch, at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app->add_option("--spec-p-min", options->p_min,
                  "The draft model stops drafting when its top-1 probability is below this")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 1.0f));
}

std::string SpecPolicyName(const std::string& policy, const SpecOptions& options) {
  return options.drafter == "none" || PolicyUsesSpec(policy) ? policy : policy + kSpecSuffix;
}

std::string PolicyNameError(const std::string& name) {
  const std::string base = BasePolicyName(name);
  const auto& names = PolicyNames();
  if (std::find(names.begin(), names.end(), base) != names.end() && name != std::string("small") + kSpecSuffix) {
    return "";
  }
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return "unknown policy '" + name + "' (expected one of: " + list + ", each but small also with the suffix " +
         kSpecSuffix + ")";
}

void AddPromptFlags(CLI::App* app, PromptFlags* flags) {
  auto* p = app->add_option("-p,--prompt", flags->prompt, "Prompt text");
  auto* f = app->add_option("-f,--file", flags->file, "Read the prompt from a file");
  p->excludes(f);
  app->add_flag("--raw", flags->raw,
                "Use the prompt as is; by default it is a user turn rendered with the model's chat template");
}

std::string RenderPrompt(const Model& model, const PromptFlags& flags, const std::string& user_text) {
  if (flags.raw) return user_text;
  try {
    return model.RenderChat({{"user", user_text}});
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; pass --raw and a fully formatted prompt");
  }
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
