// relaygen serve: an OpenAI-compatible server whose answers come from the relay (src/serve/).
// The address is bound first, so /health answers 503 while the models load; SIGINT and SIGTERM
// stop it cleanly (exit code 0).
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/online_flags.h"
#include "cli/opened_pair.h"
#include "engine/batched_context.h"
#include "engine/llama_engine.h"
#include "relay/cue_profile.h"
#include "relay/policy_factory.h"
#include "serve/server.h"
#include "util/error.h"

namespace relaygen {
namespace {

struct ServeFlags {
  PairFlags pair;
  LlamaOptions engine;
  Sampling sampling;
  PolicyOptions policy_options;
  ServerOptions server;
  int slots = 4;
  std::vector<std::string> cue_profiles;  // NAME=PATH
  OnlineFlags online;
};

// The policy options of every cue profile a request may name ("" is --profile).
std::map<std::string, PolicyOptions> LoadProfiles(const ServeFlags& flags) {
  std::map<std::string, PolicyOptions> profiles;
  auto add = [&](const std::string& name, const std::string& path) {
    PolicyOptions options = flags.policy_options;
    options.relay.cues = LoadCueProfile(path).Selected();
    if (options.relay.cues.empty()) throw Error("cue profile " + path + " selects no cues");
    // Many relays share the cores: prefill ahead's threads sleep instead of polling (docs/serving.md).
    options.relay.prefill_ahead_spin = std::chrono::microseconds(0);
    if (!profiles.emplace(name, std::move(options)).second) throw Error("cue profile '" + name + "' given twice");
  };
  add("", flags.pair.profile);
  // Online statistics measure the default profile's cues: its relays read along with scores.
  if (!flags.online.path.empty()) profiles[""] = WithOnlineStats(profiles[""], flags.online);
  for (const std::string& spec : flags.cue_profiles) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw Error("--cue-profile takes NAME=PATH (got '" + spec + "')");
    }
    add(spec.substr(0, eq), spec.substr(eq + 1));
  }
  return profiles;
}

// Lines for /metrics about the embedded models' shared contexts.
Metrics::Extra BatchMetrics(const Model* large, const Model* small) {
  Metrics::Extra lines;
  lines.push_back("# HELP relaygen_batched_decodes_total llama_decode calls of a model's shared context\n"
                  "# TYPE relaygen_batched_decodes_total counter\n");
  lines.push_back("# HELP relaygen_batched_sequences_total Sequences those decodes carried (summed)\n"
                  "# TYPE relaygen_batched_sequences_total counter\n");
  for (const auto& [name, model] : {std::pair<const char*, const Model*>{"large", large}, {"small", small}}) {
    const auto* llama = dynamic_cast<const LlamaModel*>(model);
    if (llama == nullptr || llama->batched_context() == nullptr) continue;
    const BatchedContext::Counters c = llama->batched_context()->counters();
    lines[0] += std::string("relaygen_batched_decodes_total{model=\"") + name + "\"} " + std::to_string(c.decodes) + "\n";
    lines[1] += std::string("relaygen_batched_sequences_total{model=\"") + name + "\"} " +
                std::to_string(c.sequences) + "\n";
  }
  return lines;
}

int RunServe(ServeFlags flags) {
  if (flags.slots <= 0) throw Error("--slots must be positive");
  // Every thread started from here on inherits the mask, so only the waiter below sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  flags.server.defaults.sampling = flags.sampling;
  flags.server.defaults.policies = PolicyNames();
  std::map<std::string, PolicyOptions> profiles = LoadProfiles(flags);
  for (const auto& entry : profiles) flags.server.defaults.profiles.push_back(entry.first);

  // Opened before the server listens, so a bad statistics file is an error at start.
  std::vector<std::string> measured;
  for (const std::string& policy : PolicyNames()) {
    if (PolicyReadsAlong(policy)) measured.push_back(policy);
  }
  const std::unique_ptr<OnlineStats> online =
      OpenOnlineStats(flags.online, flags.pair, profiles[""], measured, /*all_must_read=*/false);

  // The models outlive the server, whose slots hold their sessions.
  std::unique_ptr<Model> large, small;
  Server server(flags.server);
  server.Bind();
  std::thread http([&server] { server.Run(); });
  std::fprintf(stderr, "relaygen serve: listening on http://%s:%d (loading models)\n", flags.server.host.c_str(),
               server.port());

  try {
    LlamaOptions engine = flags.engine;
    engine.n_parallel = flags.slots;  // one sequence per slot in each model's shared context
    large = OpenPairModel(flags.pair.large, flags.pair.large_url, flags.pair, ForModel(engine, flags.pair.large_model));
    small = OpenPairModel(flags.pair.small, flags.pair.small_url, flags.pair, ForModel(engine, flags.pair.small_model));
    std::vector<Slot> slots(flags.slots);
    for (Slot& slot : slots) {
      slot.large = large->NewSession();
      slot.small = small->NewSession();
    }
    ServingConfig config;
    config.chat_model = large.get();
    if (online) {
      OnlineStats* stats = online.get();
      config.observe = [stats](const ApiRequest& request, const std::string& prompt, const PolicyResult& result) {
        if (request.profile.empty() && PolicyReadsAlong(request.policy)) {
          RecordOnlineRun(*stats, prompt, result, request.policy);
        }
      };
    }
    config.profiles = std::move(profiles);
    const Model* l = large.get();
    const Model* s = small.get();
    server.Start(std::move(config), std::make_unique<SlotPool>(std::move(slots), flags.server.max_queue),
                 [l, s] { return BatchMetrics(l, s); });
  } catch (...) {
    server.Stop();
    http.join();
    throw;
  }
  std::fprintf(stderr, "relaygen serve: ready: %s + %s, %d slots; model 'relaygen' (policy %s) or 'relaygen/<policy>'\n",
               large->name().c_str(), small->name().c_str(), flags.slots, flags.server.defaults.policy.c_str());

  std::thread waiter([&server, &signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    std::fprintf(stderr, "relaygen serve: %s, stopping\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.Stop();
  });
  http.join();
  // Run returned without a signal only if listening failed; wake the waiter either way.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

CommandMain SetupServe(CLI::App* sub) {
  auto flags = std::make_shared<ServeFlags>();
  AddPairFlags(sub, &flags->pair, /*with_profile=*/true);
  AddSamplingFlags(sub, &flags->sampling);
  AddPolicyFlags(sub, &flags->policy_options);
  AddEngineFlags(sub, &flags->engine);
  ServerOptions& s = flags->server;
  sub->add_option("--host", s.host, "Address to listen on")->capture_default_str();
  sub->add_option("--port", s.port, "Port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  sub->add_option("--slots,--parallel", flags->slots, "Requests generated at once (llama-server's -np; each model decodes them in one batch)")
      ->capture_default_str();
  sub->add_option("--queue", s.max_queue, "Requests that may wait for a slot; more get 429 at once")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  sub->add_option("--queue-timeout", s.queue_timeout_s, "Seconds a request may wait for a slot before 503")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--max-body", s.max_body_bytes, "Largest request body in bytes (413 above)")->capture_default_str();
  sub->add_option("-n,--max-tokens", s.defaults.max_tokens, "Token budget of a request that sets none")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--max-tokens-limit", s.defaults.max_tokens_limit, "Largest budget a request may ask for (400 above)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--policy", s.defaults.policy, "Policy of the model name 'relaygen'")
      ->capture_default_str()->check(CLI::IsMember(PolicyNames()));
  AddOnlineFlags(sub, &flags->online);
  sub->add_option("--cue-profile", flags->cue_profiles,
                  "NAME=PATH: a cue profile requests may pick with \"relaygen\": {\"profile\": NAME} (repeatable)");
  return [flags] { return RunServe(*flags); };
}

const CommandRegistration registration("serve", "OpenAI-compatible server whose answers come from the relay",
                                       SetupServe);

}  // namespace
}  // namespace relaygen
