// relaygen relay: one request through a policy (RelayGen by default), streamed with the small
// model's text coloured on a terminal, or one JSON object with --json.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/online_flags.h"
#include "cli/opened_pair.h"
#include "engine/llama_engine.h"
#include "relay/policy_factory.h"
#include "relay/policy_json.h"
#include "util/error.h"

namespace relaygen {
namespace {

struct RelayFlags {
  PairFlags pair;
  PromptFlags prompt;
  Sampling sampling;
  LlamaOptions engine;
  int max_tokens = 4096;
  std::string policy = "relay";
  PolicyOptions policy_options;
  bool json = false;
  OnlineFlags online;
};

int RunRelay(const RelayFlags& flags) {
  if (flags.max_tokens <= 0) throw Error("--max-tokens must be positive");
  const std::string user_text = ReadPrompt(flags.prompt);
  const PolicyOptions options =
      flags.online.path.empty() ? flags.policy_options : WithOnlineStats(flags.policy_options, flags.online);
  const auto online = OpenOnlineStats(flags.online, flags.pair, options, {flags.policy}, /*all_must_read=*/true);
  const OpenedPair pair(flags.pair, flags.engine, {flags.policy}, options);
  const SessionPolicy run = pair.NewPolicy(flags.policy);
  const std::string prompt = RenderPrompt(pair.chat_model(), flags.prompt, user_text);

  std::function<void(Writer, std::string_view)> on_text;
  const bool color = !flags.json && isatty(STDOUT_FILENO);
  if (!flags.json) {
    on_text = [color](Writer writer, std::string_view text) {
      if (color && writer == Writer::kSmall) std::fputs("\x1b[36m", stdout);
      std::fwrite(text.data(), 1, text.size(), stdout);
      if (color && writer == Writer::kSmall) std::fputs("\x1b[0m", stdout);
      std::fflush(stdout);
    };
  }
  const PolicyResult result = run.policy->Run(prompt, flags.sampling, flags.max_tokens, on_text);
  nlohmann::ordered_json online_record;
  if (online) online_record = RecordOnlineRun(*online, prompt, result, flags.policy);
  if (flags.json) {
    nlohmann::ordered_json out = PolicyResultToJson(flags.policy, result);
    if (online) out["stats"]["online"] = online_record;
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("\n");
  }
  std::fflush(stdout);  // the text before the stats line, also when both go to one pipe
  const RunStats& s = result.stats;
  std::fprintf(stderr,
               "[relay] %s | large %d + small %d tokens (large %.1f%%) | switches L->S %d, S->L %d | "
               "handoff prefill %d tokens (+%d read ahead) | %.0f ms%s\n",
               flags.policy.c_str(), s.large_tokens, s.small_tokens, 100.0 * s.large_utilization,
               s.switches_l_to_s, s.switches_s_to_l, s.handoff_prefill_tokens, s.ahead_prefill_tokens, s.wall_ms,
               color ? " | small model's text in cyan" : "");
  return 0;
}

CommandMain SetupRelay(CLI::App* sub) {
  auto flags = std::make_shared<RelayFlags>();
  AddPairFlags(sub, &flags->pair, /*with_profile=*/true);
  AddPromptFlags(sub, &flags->prompt);
  AddSamplingFlags(sub, &flags->sampling);
  sub->add_option("-n,--max-tokens", flags->max_tokens, "Token budget shared by both models")
      ->capture_default_str();
  std::string names;
  for (const std::string& n : PolicyNames()) names += (names.empty() ? "" : "|") + n;
  sub->add_option("--policy", flags->policy, "Who writes what: " + names)
      ->capture_default_str()
      ->check([](const std::string& name) { return PolicyNameError(name); });
  AddPolicyFlags(sub, &flags->policy_options);
  AddSpecFlags(sub, &flags->policy_options.spec);
  AddEngineFlags(sub, &flags->engine);
  sub->add_flag("--json", flags->json, "Print one JSON object {text, answer, policy, stats, segments}");
  AddOnlineFlags(sub, &flags->online);
  return [flags] {
    flags->policy = SpecPolicyName(flags->policy, flags->policy_options.spec);
    return RunRelay(*flags);
  };
}

const CommandRegistration registration("relay", "Generate with a large and a small model relaying segments",
                                       SetupRelay);

}  // namespace
}  // namespace relaygen
