// relaygen generate: continue a prompt with one model, llama.cpp style.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "engine/llama_engine.h"
#include "util/error.h"

namespace relaygen {
namespace {

struct GenerateFlags {
  std::string model = BundledModelPath("testbed-large.gguf");
  PromptFlags prompt;
  Sampling sampling;
  LlamaOptions engine;
  int n_predict = 256;
  std::vector<std::string> stops;
  bool word_boundary = false;
  bool json = false;
  SpecOptions spec;
};

int RunGenerate(const GenerateFlags& flags) {
  if (flags.n_predict <= 0) {
    throw Error("-n/--n-predict must be a positive number of tokens (got " +
                std::to_string(flags.n_predict) + ")");
  }
  SegmentRequest request;
  request.sampling = flags.sampling;
  request.max_tokens = flags.n_predict;
  for (const std::string& s : flags.stops) {
    if (s.empty()) throw Error("empty stop string: every --stop needs at least one character");
    request.stops.push_back(Stop{s, flags.word_boundary, false});
  }
  const std::string user_text = ReadPrompt(flags.prompt);

  auto model = LlamaModel::Open(flags.model, flags.engine);
  const std::string prompt = RenderPrompt(*model, flags.prompt, user_text);
  std::unique_ptr<Model> draft;  // outlives the session drafting with it
  if (flags.spec.drafter == "draft") {
    draft = LlamaModel::Open(flags.spec.draft_model.empty() ? BundledModelPath("testbed-small.gguf")
                                                            : flags.spec.draft_model,
                             flags.engine);
  }
  auto session = MakeSpeculativeSession(model->NewSession(), flags.spec, nullptr, draft.get());
  TextCallback stream;
  if (!flags.json) {
    stream = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  const Segment seg = session->Generate(prompt, request, stream);
  const int n_gen = static_cast<int>(seg.tokens.size());
  const double tps = seg.decode_ms > 0 ? 1000.0 * n_gen / seg.decode_ms : 0.0;
  if (flags.json) {
    nlohmann::json out = {{"text", seg.text},
                          {"n_prompt", seg.n_reused + seg.n_prefilled},
                          {"n_generated", n_gen},
                          {"stop_reason", ToString(seg.stop_reason)},
                          {"prefill_ms", seg.prefill_ms},
                          {"decode_ms", seg.decode_ms},
                          {"tokens_per_s", tps}};
    if (flags.spec.drafter != "none") {
      out["spec"] = {{"drafted", seg.spec.drafted}, {"accepted", seg.spec.accepted},
                     {"acceptance", seg.spec.acceptance()}, {"batches", seg.spec.batches}};
    }
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("\n");
  }
  std::fflush(stdout);  // the text before the timing line, also when both go to one pipe
  std::fprintf(stderr, "[generate] prompt %d tokens in %.1f ms | %d tokens in %.1f ms (%.1f tok/s) | stop: %s\n",
               seg.n_prefilled, seg.prefill_ms, n_gen, seg.decode_ms, tps, ToString(seg.stop_reason));
  if (seg.spec.batches > 0) {
    std::fprintf(stderr, "[generate] speculative (%s): %d drafted, %d accepted (%.1f%%) in %d verify batches\n",
                 flags.spec.drafter.c_str(), seg.spec.drafted, seg.spec.accepted, 100 * seg.spec.acceptance(),
                 seg.spec.batches);
  }
  return 0;
}

CommandMain SetupGenerate(CLI::App* sub) {
  auto flags = std::make_shared<GenerateFlags>();
  sub->add_option("-m,--model", flags->model, "Model (GGUF); default: the bundled testbed large model")
      ->capture_default_str();
  AddPromptFlags(sub, &flags->prompt);
  sub->add_option("-n,--n-predict", flags->n_predict, "Maximum tokens to generate")->capture_default_str();
  AddSamplingFlags(sub, &flags->sampling);
  sub->add_option("--stop", flags->stops, "Stop string (repeatable); the text ends right after it");
  sub->add_flag("--stop-word-boundary", flags->word_boundary,
                "Stops fire only as whole words (`Now` not inside `Nowhere`)");
  AddEngineFlags(sub, &flags->engine);
  AddSpecFlags(sub, &flags->spec);
  sub->add_flag("--json", flags->json, "Print one JSON object instead of streaming text");
  return [flags] { return RunGenerate(*flags); };
}

const CommandRegistration registration("generate", "Continue a prompt with one model", SetupGenerate);

}  // namespace
}  // namespace relaygen
