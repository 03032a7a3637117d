// relaygen bench: the paper's latency protocol — the first N problems of a dataset, R runs each,
// one request at a time, every policy on fresh sessions, interleaved so machine noise hits all
// policies alike. Prints speed-up over large-only, utilization, pass@1 and relay efficiency.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "bench/latency.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "cli/online_flags.h"
#include "cli/opened_pair.h"
#include "eval/dataset.h"
#include "eval/grader.h"
#include "relay/policy_factory.h"
#include "util/error.h"
#include "util/progress.h"

namespace relaygen {
namespace {

struct BenchFlags {
  std::string dataset = "testbed";
  std::string policies = "large,small,relay";
  int problems = 5;
  int runs = 5;
  int max_tokens = 4096;
  DatasetOptions data;
  PairFlags pair;
  PolicyOptions policy_options;
  Sampling sampling;
  LlamaOptions engine;
  bool json = false;
  std::string out;
  OnlineFlags online;
};

// With --online-stats every policy that reads along also runs measured, under this suffix.
const char kOnlineSuffix[] = "+online";

std::vector<std::string> SplitPolicies(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) continue;
    bool known = false;
    for (const std::string& name : PolicyNames()) known |= (name == BasePolicyName(item));
    if (!known) throw Error("unknown policy '" + item + "' in --policies");
    out.push_back(item);
  }
  // Each model's own speed and the speed-up reference come from the single-model policies.
  for (const char* required : {"small", "large"}) {
    bool present = false;
    for (const std::string& p : out) present |= (p == required);
    if (!present) out.insert(out.begin(), required);
  }
  return out;
}

TimedRun Measure(const std::string& name, int problem, const PolicyResult& result, bool correct) {
  TimedRun run;
  run.policy = name;
  run.problem = problem;
  run.wall_ms = result.stats.wall_ms;
  run.prompt_prefill_ms = result.stats.prompt_prefill_ms;
  run.large_tokens = result.stats.large_tokens;
  run.small_tokens = result.stats.small_tokens;
  run.switches = result.stats.switches_l_to_s + result.stats.switches_s_to_l;
  run.handoff_prefill_tokens = result.stats.handoff_prefill_tokens;
  for (const SegmentRecord& seg : result.segments) {
    (seg.writer == Writer::kLarge ? run.large_decode_ms : run.small_decode_ms) += seg.decode_ms;
  }
  run.correct = correct;
  run.spec = result.stats.spec;
  return run;
}

int RunBench(const BenchFlags& flags) {
  if (flags.problems <= 0 || flags.runs <= 0) throw Error("--problems and --runs must be positive");
  if (flags.max_tokens <= 0) throw Error("--max-tokens must be positive");
  const std::vector<std::string> policies = SplitPolicies(flags.policies);
  std::vector<EvalProblem> problems = LoadDataset(flags.dataset, flags.data);
  if (static_cast<size_t>(flags.problems) < problems.size()) problems.resize(flags.problems);
  if (problems.empty()) throw Error("dataset '" + flags.dataset + "' has no problems");
  const OpenedPair pair(flags.pair, flags.engine, policies, flags.policy_options);
  // Measured variants run interleaved with the plain ones, so their wall times compare directly.
  const auto online = OpenOnlineStats(flags.online, flags.pair, flags.policy_options, policies, false);
  std::vector<std::string> names = policies;
  for (const std::string& p : policies) {
    if (online && PolicyReadsAlong(p)) names.push_back(p + kOnlineSuffix);
  }

  // Untimed warm-up: first touches of mmapped weights and allocator growth are not the policy's.
  for (const char* name : {"large", "small"}) {
    const std::string prompt = pair.chat_model().RenderChat({{"user", problems[0].prompt}});
    pair.NewPolicy(name).policy->Run(prompt, flags.sampling, std::min(flags.max_tokens, 64));
  }

  std::vector<TimedRun> runs;
  Progress progress("bench", static_cast<int>(problems.size() * flags.runs * names.size()));
  for (size_t p = 0; p < problems.size(); ++p) {
    const std::string prompt = pair.chat_model().RenderChat({{"user", problems[p].prompt}});
    for (int r = 0; r < flags.runs; ++r) {
      Sampling sampling = flags.sampling;
      sampling.seed = flags.sampling.seed + 7919ull * r + 104729ull * p;
      for (const std::string& name : names) {
        const size_t suffix = name.find(kOnlineSuffix);
        const std::string base = name.substr(0, suffix);
        // Fresh sessions: every request starts from an empty cache, as a cold request would.
        const PolicyResult result =
            (suffix == std::string::npos ? pair.NewPolicy(name)
                                         : pair.NewPolicy(base, WithOnlineStats(pair.options(), flags.online)))
                .policy->Run(prompt, sampling, flags.max_tokens);
        if (suffix != std::string::npos) RecordOnlineRun(*online, prompt, result, base);
        runs.push_back(Measure(name, static_cast<int>(p), result,
                               GradeOutput(result.text, problems[p]).correct));
        char note[96];
        std::snprintf(note, sizeof(note), "problem %zu run %d %s %.0f ms", p + 1, r + 1, name.c_str(),
                      result.stats.wall_ms);
        progress.Update(static_cast<int>(runs.size()), note);
      }
    }
  }
  const std::vector<PolicySummary> rows = SummarizeLatency(runs, names);
  nlohmann::json out = {{"dataset", flags.dataset}, {"problems", problems.size()}, {"runs", flags.runs},
                        {"max_tokens", flags.max_tokens}, {"prompt_style", PromptStyleName(flags.data.prompt_style)},
                        {"gpqa_fixed_order", flags.data.gpqa_fixed_order}, {"policies", nlohmann::json::array()}};
  for (const PolicySummary& r : rows) {
    out["policies"].push_back({{"policy", r.policy}, {"speedup", r.speedup}, {"speedup_std", r.speedup_std},
                               {"large_utilization", r.large_utilization}, {"efficiency", r.efficiency},
                               {"pass1", r.pass1}, {"mean_wall_ms", r.mean_wall_ms}, {"runs", r.runs},
                               {"large_ms_per_token", r.large_ms_per_token},
                               {"small_ms_per_token", r.small_ms_per_token}, {"switches", r.switches},
                               {"handoff_prefill_per_switch", r.handoff_prefill_per_switch},
                               {"handoff_ms_per_switch", r.handoff_ms_per_switch},
                               {"handoff_loss", r.handoff_loss}, {"token_loss", r.token_loss},
                               {"large_ms_per_token_here", r.large_ms_per_token_here},
                               {"small_ms_per_token_here", r.small_ms_per_token_here},
                               {"spec_acceptance", r.spec.acceptance()}, {"spec_drafted", r.spec.drafted},
                               {"spec_accepted", r.spec.accepted}, {"spec_batches", r.spec.batches}});
  }
  if (!flags.out.empty()) {
    std::ofstream file(flags.out);
    file << out.dump(2) << "\n";
    if (!file) throw Error("cannot write " + flags.out);
  }
  std::printf("%s", flags.json ? (out.dump(2) + "\n").c_str() : LatencyTable(rows).c_str());
  for (const PolicySummary& measured : rows) {
    // The cost of online statistics: a measured policy's mean wall time over the plain one's.
    const size_t suffix = measured.policy.find(kOnlineSuffix);
    if (suffix == std::string::npos) continue;
    for (const PolicySummary& plain : rows) {
      if (plain.policy != measured.policy.substr(0, suffix) || plain.mean_wall_ms <= 0) continue;
      std::fprintf(stderr, "[bench] online statistics: %s / %s wall time %.4f (%+.1f %%)\n", measured.policy.c_str(),
                   plain.policy.c_str(), measured.mean_wall_ms / plain.mean_wall_ms,
                   100.0 * (measured.mean_wall_ms / plain.mean_wall_ms - 1.0));
    }
  }
  return 0;
}

CommandMain SetupBench(CLI::App* sub) {
  RegisterBundledDatasets();
  auto flags = std::make_shared<BenchFlags>();
  sub->add_option("--dataset", flags->dataset, "Dataset name or JSONL path")->capture_default_str();
  sub->add_option("--policies", flags->policies, "Comma-separated policies, `+spec` for speculation (large and small are always run: they are the references)")
      ->capture_default_str();
  sub->add_option("--problems", flags->problems, "The first N problems")->capture_default_str();
  sub->add_option("--runs", flags->runs, "Runs per problem and policy")->capture_default_str();
  sub->add_option("-n,--max-tokens", flags->max_tokens, "Token budget per request")->capture_default_str();
  AddDatasetFlags(sub, &flags->data);
  AddPairFlags(sub, &flags->pair, /*with_profile=*/true);
  AddPolicyFlags(sub, &flags->policy_options);
  AddSpecFlags(sub, &flags->policy_options.spec);
  AddSamplingFlags(sub, &flags->sampling);
  AddEngineFlags(sub, &flags->engine);
  sub->add_flag("--json", flags->json, "Print JSON {policies: [...]} instead of a table");
  sub->add_option("--out", flags->out, "Also write the JSON to this file");
  AddOnlineFlags(sub, &flags->online);
  return [flags] { return RunBench(*flags); };
}

const CommandRegistration registration("bench", "Latency protocol: speed-up, utilization, pass@1, relay efficiency",
                                       SetupBench);

}  // namespace
}  // namespace relaygen
