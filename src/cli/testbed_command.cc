// relaygen testbed data|train|eval|check-logits: the synthetic task and the default model pair
// (issue 3, docs/testbed.md). `train` and `check-logits` run relaygen-train, built with the libtorch
// trainer (RELAYGEN_TESTBED_TRAINER); `data` and `eval` need neither.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/flags.h"
#include "engine/llama_engine.h"
#include "testbed/bpe.h"
#include "testbed/chat_template.h"
#include "testbed/gguf_writer.h"
#include "testbed/task.h"
#include "testbed/tokenizer.h"
#include "testbed/trace_analysis.h"
#include "util/error.h"

namespace relaygen {
namespace {

// ---- data ------------------------------------------------------------------------------------

struct DataFlags {
  std::string out;
  uint64_t seed = 2;  // task v2 (v1, the first pair, used 1)
  int n_train = 60000;
  int n_calibration = 40;
  int n_test = 300;
  int merges = 600;
  TaskOptions task;
};

int RunData(const DataFlags& f) {
  if (f.out.empty()) throw Error("--out DIR is required");
  ConfigureLlamaLogging();
  ::mkdir(f.out.c_str(), 0755);
  const TaskSplits splits = MakeTaskSplits(f.seed, f.n_train, f.n_calibration, f.n_test, f.task);
  WriteProblems(f.out + "/train.jsonl", splits.train);
  WriteProblems(f.out + "/calibration.jsonl", splits.calibration);
  WriteProblems(f.out + "/test.jsonl", splits.test);
  // The tokenizer is learned on the training split only.
  std::vector<std::string> texts;
  for (const Problem& p : splits.train) {
    texts.push_back(p.UserMessage());
    texts.push_back(p.response);
  }
  const BpeVocab vocab = BuildByteLevelVocab(LearnBpeMerges(texts, f.merges));
  const std::string vocab_path = f.out + "/vocab.gguf";
  WriteVocabGguf(vocab_path, vocab, Qwen3ChatTemplate());
  const TestbedTokenizer tokenizer(vocab_path);
  size_t max_len = 0, total = 0, response = 0;
  const std::vector<TokenizedExample> examples = TokenizeProblems(tokenizer, splits.test);
  for (const TokenizedExample& e : examples) {
    max_len = std::max(max_len, e.tokens.size());
    total += e.tokens.size();
    response += e.tokens.size() - e.prompt_len;
  }
  nlohmann::json summary = {{"seed", f.seed},
                            {"n_train", splits.train.size()},
                            {"n_calibration", splits.calibration.size()},
                            {"n_test", splits.test.size()},
                            {"min_steps", f.task.min_steps},
                            {"max_steps", f.task.max_steps},
                            {"start_digits", f.task.start_digits},
                            {"amount_digits", f.task.amount_digits},
                            {"p_check", f.task.p_check},
                            {"p_slip_compute", f.task.p_slip_compute},
                            {"p_slip_restate", f.task.p_slip_restate},
                            {"train_problems_with_slips", std::count_if(splits.train.begin(), splits.train.end(),
                                                                        [](const Problem& p) { return !p.no_loss.empty(); })},
                            {"n_vocab", vocab.tokens.size()},
                            {"n_merges", vocab.merges.size()},
                            {"test_tokens_mean", examples.empty() ? 0.0 : double(total) / examples.size()},
                            {"test_response_tokens_mean", examples.empty() ? 0.0 : double(response) / examples.size()},
                            {"test_tokens_max", max_len}};
  std::ofstream(f.out + "/data.json") << summary.dump(2) << "\n";
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

CommandMain SetupData(CLI::App* sub) {
  auto f = std::make_shared<DataFlags>();
  sub->add_option("--out", f->out, "Output directory (train/calibration/test .jsonl, vocab.gguf)")->required();
  sub->add_option("--seed", f->seed, "Seed of the problem generator")->capture_default_str();
  sub->add_option("--n-train", f->n_train, "Training problems")->capture_default_str();
  sub->add_option("--n-calibration", f->n_calibration, "Calibration problems")->capture_default_str();
  sub->add_option("--n-test", f->n_test, "Test problems")->capture_default_str();
  sub->add_option("--merges", f->merges, "Maximum BPE merges to learn")->capture_default_str();
  sub->add_option("--min-steps", f->task.min_steps, "Fewest operations per problem")->capture_default_str();
  sub->add_option("--max-steps", f->task.max_steps, "Most operations per problem")->capture_default_str();
  sub->add_option("--start-digits", f->task.start_digits, "Digits of the starting quantity (and cap of every value)")
      ->capture_default_str();
  sub->add_option("--amount-digits", f->task.amount_digits, "Digits of each added/removed amount")->capture_default_str();
  sub->add_option("--p-check", f->task.p_check, "Chance of a check paragraph after a step")->capture_default_str();
  sub->add_option("--p-slip-compute", f->task.p_slip_compute,
                  "Training split: chance per step of a wrong result followed by its repair")->capture_default_str();
  sub->add_option("--p-slip-restate", f->task.p_slip_restate,
                  "Training split: chance per step of a wrong restatement followed by its repair")->capture_default_str();
  return [f] { return RunData(*f); };
}

// ---- train, check-logits ----------------------------------------------------------------------

// These two run in relaygen-train (src/cli/train_main.cc), the one executable that links libtorch:
// loading it would cost every other command half a second. Everything after the subcommand's name
// is passed through unchanged, --help included.
CommandMain SetupTrainerForward(CLI::App* sub, const std::string& name) {
  sub->set_help_flag();
  sub->prefix_command();
  return [sub, name]() -> int {
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    std::string dir = n > 0 ? std::string(self, n) : std::string();
    dir = dir.substr(0, dir.find_last_of('/') + 1);
    const std::string tool = dir + "relaygen-train";
    if (::access(tool.c_str(), X_OK) != 0) {
      throw Error("`testbed " + name + "` needs relaygen-train, which this build does not have (" + tool +
                  "): build with the libtorch trainer (RELAYGEN_TORCH=1 scripts/setup.sh, or Debian's "
                  "libtorch-dev and libopenblas0-openmp, then -DRELAYGEN_TESTBED_TRAINER=ON)");
    }
    std::vector<std::string> args = {tool, name};
    for (const std::string& a : sub->remaining()) args.push_back(a);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(tool.c_str(), argv.data());
    throw Error("could not run " + tool + ": " + std::strerror(errno));
  };
}

// ---- eval ------------------------------------------------------------------------------------

struct EvalFlags {
  std::string model = BundledModelPath("testbed-large.gguf");
  std::string data;
  std::string split = "test";
  int limit = 0;
  int samples = 1;
  float temperature = 0.0f;
  float top_p = 0.95f;
  int top_k = 20;
  uint64_t seed = 42;
  int max_tokens = 512;
  LlamaOptions engine;
  bool json = false;
  std::string traces;
  std::string inject_slip;  // "", "compute" or "restate"
  bool restatements = false;
};

// The digits of `text` with one separator per run of non-digits: "has 9 shells, 64" -> " 9 64".
std::string Digits(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      out += c;
    } else if (out.empty() || out.back() != ' ') {
      out += ' ';
    }
  }
  return out;
}

// --restatements: the model writes each routine sentence of the reference traces from the text
// before it, as the small model does in a relay, and must reproduce it exactly.
int RunRestatements(const EvalFlags& f, const std::vector<Problem>& problems, LlamaModel& model, Session& session) {
  int n = 0, exact = 0, same_numbers = 0;
  for (const Problem& p : problems) {
    const std::string prompt = model.RenderChat({{"user", p.UserMessage()}});
    for (const auto& [begin, end] : RestatementSpans(p.response)) {
      SegmentRequest req;
      req.max_tokens = 64;
      req.sampling.temperature = f.temperature;
      req.sampling.top_p = f.top_p;
      req.sampling.top_k = f.top_k;
      req.sampling.seed = f.seed + 1000003ULL * n;
      req.stops.push_back(Stop{".", false, false});
      const Segment seg = session.Generate(prompt + p.response.substr(0, begin), req);
      ++n;
      const std::string ref = p.response.substr(begin, end - begin);
      exact += seg.text == ref;
      same_numbers += Digits(seg.text) == Digits(ref);
    }
  }
  // "numbers": every number of the sentence right and in order — what the answer depends on;
  // "exact": every byte (a wrong object noun, say, counts against it).
  const nlohmann::json out = {{"model", f.model},
                              {"split", f.split},
                              {"restatements", n},
                              {"restatement_accuracy_numbers", n ? double(same_numbers) / n : 0.0},
                              {"restatement_accuracy_exact", n ? double(exact) / n : 0.0},
                              {"temperature", f.temperature}};
  std::printf("%s\n", out.dump(f.json ? -1 : 2).c_str());
  return 0;
}

std::string SplitPath(const EvalFlags& f) {
  if (f.split.size() > 6 && f.split.substr(f.split.size() - 6) == ".jsonl") return f.split;
  if (f.split != "test" && f.split != "calibration" && f.split != "train") {
    throw Error("--split must be test, calibration, train or a .jsonl file (got '" + f.split + "')");
  }
  if (!f.data.empty()) return f.data + "/" + f.split + ".jsonl";
  return BundledModelPath("testbed-" + f.split + ".jsonl");
}

int RunEval(const EvalFlags& f) {
  if (f.samples <= 0 || f.limit < 0 || f.max_tokens <= 0) throw Error("--samples and --max-tokens must be positive, --limit >= 0");
  ConfigureLlamaLogging();
  std::vector<Problem> problems = ReadProblems(SplitPath(f));
  if (f.limit > 0 && static_cast<size_t>(f.limit) < problems.size()) problems.resize(f.limit);
  auto model = LlamaModel::Open(f.model, f.engine);
  auto session = model->NewSession();
  if (f.restatements) return RunRestatements(f, problems, *model, *session);
  std::unique_ptr<std::ofstream> traces;
  if (!f.traces.empty()) traces = std::make_unique<std::ofstream>(f.traces);
  int n = 0, correct = 0, boxed = 0, closed = 0;
  int64_t tokens = 0;
  double decode_ms = 0;
  ErrorTally tally;
  if (!f.inject_slip.empty() && f.inject_slip != "compute" && f.inject_slip != "restate") {
    throw Error("--inject-slip must be compute or restate (got '" + f.inject_slip + "')");
  }
  int repaired = 0, skipped = 0, problem_index = 0;
  for (const Problem& p : problems) {
    std::string prompt = model->RenderChat({{"user", p.UserMessage()}});
    // With --inject-slip the model continues the reference trace right after a wrong number
    // (a different step for each problem): how often it still reaches the right answer.
    std::string prefix;
    int wrong = -1;
    if (!f.inject_slip.empty()) {
      // Task v1 traces restate only some results: a problem without the chosen slip is skipped.
      const int steps = CountSteps(p.response);
      try {
        if (steps == 0) throw Error("no steps");
        const InjectedSlip slip = InjectSlip(p, f.inject_slip == "compute" ? SlipKind::kCompute : SlipKind::kRestate,
                                             problem_index % steps, f.seed + problem_index);
        prefix = slip.prefix;
        wrong = slip.wrong;
        prompt += prefix;
      } catch (const Error&) {
        ++skipped;
        ++problem_index;
        continue;
      }
    }
    ++problem_index;
    for (int s = 0; s < f.samples; ++s) {
      SegmentRequest req;
      req.max_tokens = f.max_tokens;
      req.sampling.temperature = f.temperature;
      req.sampling.top_p = f.top_p;
      req.sampling.top_k = f.top_k;
      req.sampling.seed = f.seed + 1000003ULL * n;
      Segment seg = session->Generate(prompt, req);
      if (!prefix.empty()) {
        repaired += seg.text.find(", not " + std::to_string(wrong)) != std::string::npos;
        seg.text = prefix + seg.text;
      }
      const std::string answer = LastBoxed(seg.text);
      const bool ok = answer == std::to_string(p.answer);
      const TraceAnalysis a = AnalyzeTrace(p, seg.text);
      tally.Add(a, ok);
      ++n;
      correct += ok;
      boxed += !answer.empty();
      closed += seg.text.find("</think>") != std::string::npos;
      tokens += static_cast<int64_t>(seg.tokens.size());
      decode_ms += seg.decode_ms;
      if (traces) {
        *traces << nlohmann::json({{"id", p.id}, {"sample", s}, {"answer", p.answer}, {"boxed", answer},
                                   {"correct", ok}, {"first_error", ToString(a.first_error)}, {"text", seg.text}})
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
      }
    }
  }
  nlohmann::json out = {{"model", f.model},
                        {"split", f.split},
                        {"n", n},
                        {"accuracy", n ? double(correct) / n : 0.0},
                        {"boxed_rate", n ? double(boxed) / n : 0.0},
                        {"think_closed_rate", n ? double(closed) / n : 0.0},
                        {"ms_per_token", tokens ? decode_ms / tokens : 0.0},
                        {"tokens_per_trace", n ? double(tokens) / n : 0.0},
                        {"temperature", f.temperature},
                        {"samples", f.samples},
                        {"errors", tally.ToJson()}};
  if (!f.inject_slip.empty()) {
    out["inject_slip"] = f.inject_slip;
    out["repair_rate"] = n ? double(repaired) / n : 0.0;  // continuations that say ", not <the wrong value>"
    out["skipped_problems"] = skipped;
  }
  if (f.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s\n", out.dump(2).c_str());
  }
  return 0;
}

CommandMain SetupEval(CLI::App* sub) {
  auto f = std::make_shared<EvalFlags>();
  sub->add_option("-m,--model", f->model, "Model (GGUF); default: the bundled testbed large model")->capture_default_str();
  sub->add_option("--data", f->data, "Data directory from `relaygen testbed data` (default: the bundled splits)");
  sub->add_option("--split", f->split, "test, calibration, train, or a .jsonl file")->capture_default_str();
  sub->add_option("--limit", f->limit, "Evaluate only the first N problems (0 = all)")->capture_default_str();
  sub->add_option("--samples", f->samples, "Samples per problem (pass@1 is averaged over them)")->capture_default_str();
  sub->add_option("--temp", f->temperature, "Temperature; 0 = greedy")->capture_default_str();
  sub->add_option("--top-p", f->top_p, "Nucleus sampling threshold when sampling")->capture_default_str();
  sub->add_option("--top-k", f->top_k, "Top-k when sampling; 0 = off")->capture_default_str();
  sub->add_option("--seed", f->seed, "Base sampling seed")->capture_default_str();
  sub->add_option("--max-tokens", f->max_tokens, "Token budget per trace")->capture_default_str();
  sub->add_option("--traces", f->traces, "Write every generated trace here (JSON lines)");
  sub->add_flag("--restatements", f->restatements,
                "Instead: complete every routine sentence of the reference traces from the text before it (as a "
                "relay's small model does) and report the share reproduced exactly");
  sub->add_option("--inject-slip", f->inject_slip,
                  "compute|restate: continue each reference trace right after a wrong result (or a wrong restatement "
                  "of it) and measure recovery");
  AddEngineFlags(sub, &f->engine);
  sub->add_flag("--json", f->json, "One-line JSON output");
  return [f] { return RunEval(*f); };
}

CommandMain SetupTestbed(CLI::App* sub) {
  sub->require_subcommand(1);
  static std::vector<CommandMain> mains(4);
  CLI::App* data = sub->add_subcommand("data", "Generate the task's splits and learn the tokenizer");
  mains[0] = SetupData(data);
  CLI::App* train = sub->add_subcommand("train", "Train a testbed model (runs relaygen-train; needs libtorch)");
  mains[1] = SetupTrainerForward(train, "train");
  CLI::App* eval = sub->add_subcommand("eval", "Evaluate a model on a split: accuracy, boxed rate, ms/token");
  mains[2] = SetupEval(eval);
  CLI::App* check = sub->add_subcommand("check-logits", "Compare llama.cpp's logits with libtorch's on a GGUF's weights");
  mains[3] = SetupTrainerForward(check, "check-logits");
  return [sub, data, train, check] {
    if (sub->got_subcommand(data)) return mains[0]();
    if (sub->got_subcommand(train)) return mains[1]();
    if (sub->got_subcommand(check)) return mains[3]();
    return mains[2]();
  };
}

const CommandRegistration registration("testbed", "The synthetic task and the default model pair", SetupTestbed);

}  // namespace
}  // namespace relaygen
