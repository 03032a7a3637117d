// relaygen eval: one policy over a dataset, one JSON line per (problem, sample) appended to the
// run file as it completes; --resume continues a killed run without losing or repeating a line.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/online_flags.h"
#include "cli/opened_pair.h"
#include "eval/dataset.h"
#include "eval/grader.h"
#include "eval/run_store.h"
#include "relay/policy_factory.h"
#include "util/error.h"
#include "util/progress.h"

namespace relaygen {
namespace {

struct EvalFlags {
  std::string dataset;
  std::string policy = "relay";
  std::string grader = "relaygen";
  int samples = 1;
  int limit = 0;
  std::string out;
  bool resume = false;
  int max_tokens = 4096;
  DatasetOptions data;
  PairFlags pair;
  PolicyOptions policy_options;
  Sampling sampling;
  LlamaOptions engine;
  OnlineFlags online;
};

// Each (problem, sample) draws from its own seed, so a resumed run samples exactly what the
// uninterrupted run would have.
uint64_t RequestSeed(uint64_t base, const std::string& id, int sample) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return base + h + 1000003ull * static_cast<uint64_t>(sample);
}

RunRecord MakeRecord(const EvalProblem& problem, const std::string& policy, int sample,
                     const std::string& text, const Grade& grade) {
  RunRecord r;
  r.id = problem.id;
  r.dataset = problem.dataset;
  r.policy = policy;
  r.sample = sample;
  r.text = text;
  r.extracted = grade.extracted;
  r.answer = problem.answer;
  r.correct = grade.correct;
  return r;
}

int RunEval(const EvalFlags& flags) {
  if (flags.samples <= 0) throw Error("--samples must be positive");
  if (flags.max_tokens <= 0) throw Error("--max-tokens must be positive");
  const bool oracle = flags.policy == "oracle";
  const GraderKind grader = ParseGraderName(flags.grader);
  std::vector<EvalProblem> problems = LoadDataset(flags.dataset, flags.data);
  if (flags.limit > 0 && static_cast<size_t>(flags.limit) < problems.size()) problems.resize(flags.limit);
  if (problems.empty()) throw Error("dataset '" + flags.dataset + "' has no problems");
  // Run-file lines are keyed by id: a repeated id would be skipped as already done.
  std::set<std::string> ids;
  for (const EvalProblem& p : problems) {
    if (!ids.insert(p.id).second) {
      throw Error("dataset '" + flags.dataset + "' has two problems with id '" + p.id +
                  "'; ids must be unique");
    }
  }
  if (oracle && !flags.online.path.empty()) throw Error("--online-stats measures relays; --policy oracle runs no model");
  if (oracle) {
    for (const EvalProblem& p : problems) {
      if (!HasOracleSolution(p)) {
        throw Error("--policy oracle needs reference solutions; dataset '" + flags.dataset +
                    "' has none for problem " + p.id);
      }
    }
  }
  RunWriter writer(flags.out, flags.resume);
  const std::string run_file = std::filesystem::weakly_canonical(flags.out).string();
  if (writer.torn_bytes() > 0) {
    std::fprintf(stderr, "[eval] removed a torn last line (%zu bytes) left by an interrupted run\n",
                 writer.torn_bytes());
  }

  // One policy on one pair of sessions for the whole run: each request reuses what the sessions
  // hold (the prompt's shared prefix).
  std::unique_ptr<OpenedPair> pair;
  SessionPolicy run;
  std::unique_ptr<OnlineStats> online;
  if (!oracle) {
    const PolicyOptions options =
        flags.online.path.empty() ? flags.policy_options : WithOnlineStats(flags.policy_options, flags.online);
    online = OpenOnlineStats(flags.online, flags.pair, options, {flags.policy}, /*all_must_read=*/true);
    pair = std::make_unique<OpenedPair>(flags.pair, flags.engine, std::vector<std::string>{flags.policy}, options);
    run = pair->NewPolicy(flags.policy);
  }

  const int total = static_cast<int>(problems.size()) * flags.samples;
  int done = 0, correct = 0, graded = 0;
  // Lines already in the file count toward this run's tally only if they are among its
  // (problem, sample) pairs: the file may also hold other policies, datasets or a larger --limit.
  std::map<RunKey, bool> existing;
  for (const RunRecord& r : writer.existing()) existing[KeyOf(r)] = r.correct;
  Progress progress("eval " + flags.policy, total);
  for (const EvalProblem& problem : problems) {
    for (int sample = 0; sample < flags.samples; ++sample, ++done) {
      auto previous = existing.find(RunKey{problem.dataset, flags.policy, problem.id, sample});
      if (previous != existing.end()) {
        ++graded;
        correct += previous->second;
        continue;
      }
      RunRecord record;
      if (oracle) {
        const std::string text = OracleOutput(problem);
        record = MakeRecord(problem, flags.policy, sample, text, GradeOutput(text, problem, grader));
      } else {
        Sampling sampling = flags.sampling;
        sampling.seed = RequestSeed(flags.sampling.seed, problem.id, sample);
        const std::string prompt = pair->chat_model().RenderChat({{"user", problem.prompt}});
        const PolicyResult result = run.policy->Run(prompt, sampling, flags.max_tokens);
        record = MakeRecord(problem, flags.policy, sample, result.text, GradeOutput(result.text, problem, grader));
        const RunStats& s = result.stats;
        record.large_tokens = s.large_tokens;
        record.small_tokens = s.small_tokens;
        record.switches_l_to_s = s.switches_l_to_s;
        record.switches_s_to_l = s.switches_s_to_l;
        record.large_utilization = s.large_utilization;
        record.wall_ms = s.wall_ms;
        record.extra = {{"handoff_prefill_tokens", s.handoff_prefill_tokens},
                        {"discarded_tokens", s.discarded_tokens},
                        {"segments", result.segments.size()},
                        {"max_tokens", flags.max_tokens},
                        {"seed", sampling.seed}};
        if (online) {
          // Keyed by the run file and sample: a sample made again after a kill between the
          // statistics line and the run-file line is not counted twice.
          const std::string request = run_file + "#" + problem.dataset + "/" + flags.policy + "/" + problem.id +
                                      "/" + std::to_string(sample);
          record.extra["online"] = RecordOnlineRun(*online, prompt, result, flags.policy, request);
        }
      }
      record.extra["grader"] = flags.grader;  // `relaygen report` says which grader made a table
      writer.Append(record);
      ++graded;
      correct += record.correct;
      char note[64];
      std::snprintf(note, sizeof(note), "pass@1 %.1f%%", graded ? 100.0 * correct / graded : 0.0);
      progress.Update(done + 1, note);
    }
  }
  progress.Update(total, "done");
  std::fprintf(stderr, "[eval] %s on %s: %d/%d correct (%.1f%%) -> %s\n", flags.policy.c_str(),
               flags.dataset.c_str(), correct, graded, graded ? 100.0 * correct / graded : 0.0,
               flags.out.c_str());
  return 0;
}

CommandMain SetupEval(CLI::App* sub) {
  RegisterBundledDatasets();
  auto flags = std::make_shared<EvalFlags>();
  sub->add_option("--dataset", flags->dataset, "Dataset name (aime25, aime24, math500, amc23, gpqa_diamond, testbed) or a JSONL path")
      ->required();
  std::vector<std::string> policies = PolicyNames();
  policies.push_back("oracle");
  std::string names;
  for (const std::string& n : policies) names += (names.empty() ? "" : "|") + n;
  sub->add_option("--policy", flags->policy, "Who writes what: " + names + " (oracle: the dataset's reference solution, graded)")
      ->capture_default_str()
      ->check([](const std::string& name) { return name == "oracle" ? std::string() : PolicyNameError(name); });
  sub->add_option("--grader", flags->grader,
                  "Who grades: relaygen (default) or reference (the reference's math_equal, reproduced)")
      ->capture_default_str()
      ->check(CLI::IsMember({"relaygen", "reference"}));
  sub->add_option("--samples", flags->samples, "Samples per problem (pass@1 is their mean)")->capture_default_str();
  sub->add_option("--limit", flags->limit, "Only the first N problems; 0 = all")->capture_default_str();
  sub->add_option("--out", flags->out, "Run file (JSONL), appended line by line")->required();
  sub->add_flag("--resume", flags->resume, "Continue an interrupted run: skip (problem, sample) pairs already in --out");
  sub->add_option("-n,--max-tokens", flags->max_tokens, "Token budget per request")->capture_default_str();
  AddDatasetFlags(sub, &flags->data);
  AddPairFlags(sub, &flags->pair, /*with_profile=*/true);
  AddPolicyFlags(sub, &flags->policy_options);
  AddSpecFlags(sub, &flags->policy_options.spec);
  AddSamplingFlags(sub, &flags->sampling);
  AddEngineFlags(sub, &flags->engine);
  AddOnlineFlags(sub, &flags->online);
  return [flags] {
    if (flags->policy != "oracle") flags->policy = SpecPolicyName(flags->policy, flags->policy_options.spec);
    return RunEval(*flags);
  };
}

const CommandRegistration registration("eval", "Evaluate a policy on a dataset (pass@1), one JSON line per sample",
                                       SetupEval);

}  // namespace
}  // namespace relaygen
