// relaygen testbed data|train|eval: the synthetic task and the default model pair (issue 3,
// docs/testbed.md). `train` needs the libtorch trainer (RELAYGEN_TESTBED_TRAINER); `data` and
// `eval` do not.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
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
#ifdef RELAYGEN_HAVE_TESTBED_TRAINER
#include "testbed/logits_check.h"
#include "testbed/trainer.h"
#endif

namespace relaygen {
namespace {

// ---- data ------------------------------------------------------------------------------------

struct DataFlags {
  std::string out;
  uint64_t seed = 1;
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
  return [f] { return RunData(*f); };
}

// ---- train -----------------------------------------------------------------------------------

struct TrainFlags {
  std::string data;
  std::string out;
  std::string size = "small";
  int n_embd = 0, n_layer = 0, n_head = 0, n_ff = 0;
  std::string type = "f16";
  std::string f32_out;
  bool check_logits = false;
  std::string log;
  std::string init;
#ifdef RELAYGEN_HAVE_TESTBED_TRAINER
  TrainOptions train;
#endif
};

#ifdef RELAYGEN_HAVE_TESTBED_TRAINER
// 256 tokens of the test split's examples back to back.
std::vector<int32_t> CheckTokens(const std::vector<TokenizedExample>& test) {
  std::vector<int32_t> tokens;
  for (size_t i = 0; tokens.size() < 256 && i < test.size(); ++i) {
    tokens.insert(tokens.end(), test[i].tokens.begin(), test[i].tokens.end());
  }
  tokens.resize(std::min<size_t>(256, tokens.size()));
  return tokens;
}

// libgomp busy-waits between parallel regions by default; when other processes share the cores
// that makes training about 10x slower. It reads OMP_WAIT_POLICY once, when it is loaded, so the
// process re-executes itself with the variable set (unless the user chose a policy).
void EnsurePassiveOpenMp() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (args.empty()) return;
  ::execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "[train] warning: could not re-execute with OMP_WAIT_POLICY=PASSIVE; training may be slow\n");
}

int RunTrain(TrainFlags f) {
  if (f.data.empty() || f.out.empty()) throw Error("--data DIR and --out FILE are required");
  EnsurePassiveOpenMp();
  ConfigureLlamaLogging();
  LlamaConfig c;
  if (f.size == "small") {
    c.n_embd = 64, c.n_layer = 2, c.n_head = 4, c.n_ff = 192;
  } else if (f.size == "large") {
    c.n_embd = 128, c.n_layer = 6, c.n_head = 4, c.n_ff = 384;
  } else {
    throw Error("--size must be small or large (got '" + f.size + "')");
  }
  if (f.n_embd) c.n_embd = f.n_embd;
  if (f.n_layer) c.n_layer = f.n_layer;
  if (f.n_head) c.n_head = f.n_head;
  if (f.n_ff) c.n_ff = f.n_ff;
  c.n_head_kv = c.n_head;
  c.n_ctx_train = 512;
  const WeightType type = ParseWeightType(f.type);

  const std::string vocab_path = f.data + "/vocab.gguf";
  const TestbedTokenizer tokenizer(vocab_path);
  c.n_vocab = tokenizer.n_vocab();
  c.Validate();
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<TokenizedExample> train = TokenizeProblems(tokenizer, ReadProblems(f.data + "/train.jsonl"));
  const std::vector<TokenizedExample> test = TokenizeProblems(tokenizer, ReadProblems(f.data + "/test.jsonl"));
  std::fprintf(stderr, "[train] %zu training sequences tokenized in %.1f s; %lld parameters\n", train.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
               static_cast<long long>(c.ParameterCount()));

  torch::manual_seed(f.train.seed);
  LlamaTorch model(c);
  if (!f.init.empty()) {
    // Continue from a GGUF's weights (fresh optimizer state and schedule).
    const GgufModel init = ReadLlamaGguf(f.init);
    if (init.config.n_embd != c.n_embd || init.config.n_layer != c.n_layer || init.config.n_head != c.n_head ||
        init.config.n_ff != c.n_ff || init.config.n_vocab != c.n_vocab) {
      throw Error("--init " + f.init + " has another shape than --size " + f.size);
    }
    model->ImportTensors(init.tensors);
  }
  std::unique_ptr<std::ofstream> log;
  if (!f.log.empty()) log = std::make_unique<std::ofstream>(f.log);
  const TrainResult r = Train(model, train, f.train, [&](const TrainLog& e) {
    std::fprintf(stderr, "[train] step %d/%d loss %.4f lr %.2e %.0f tok/s %.0f s\n", e.step, f.train.steps, e.loss, e.lr,
                 e.tokens_per_s, e.elapsed_s);
    if (log) {
      *log << nlohmann::json({{"step", e.step}, {"loss", e.loss}, {"lr", e.lr}, {"tokens_per_s", e.tokens_per_s},
                              {"elapsed_s", e.elapsed_s}}).dump()
           << std::endl;
    }
  });
  const double test_loss = EvalLoss(model, test);

  GgufModel gguf;
  gguf.name = "relaygen-testbed-" + f.size;
  gguf.config = c;
  gguf.vocab = ReadVocabFromGguf(vocab_path);
  gguf.chat_template = Qwen3ChatTemplate();
  gguf.tensors = model->ExportTensors();
  WriteLlamaGguf(f.out, gguf, type);
  nlohmann::json summary = {{"out", f.out},       {"size", f.size},         {"n_embd", c.n_embd},
                            {"n_layer", c.n_layer}, {"n_head", c.n_head},     {"n_ff", c.n_ff},
                            {"n_vocab", c.n_vocab}, {"parameters", c.ParameterCount()},
                            {"steps", f.train.steps}, {"batch", f.train.batch}, {"lr", f.train.lr},
                            {"seed", f.train.seed}, {"threads", f.train.threads}, {"init", f.init},
                            {"train_seconds", r.seconds}, {"train_tokens", r.tokens},
                            {"tokens_per_s", r.tokens / std::max(1e-9, r.seconds)},
                            {"final_train_loss", r.final_loss}, {"test_loss", test_loss}};
  if (!f.f32_out.empty() || f.check_logits) {
    const std::string f32 = f.f32_out.empty() ? f.out + ".f32.tmp" : f.f32_out;
    WriteLlamaGguf(f32, gguf, WeightType::kF32);
    if (f.check_logits) {
      const LogitsComparison cmp = CompareLogitsWithLlamaCpp(model, f32, CheckTokens(test), f.train.threads);
      summary["logits_max_abs_diff"] = cmp.max_abs_diff;
      summary["logits_argmax_agree"] = cmp.argmax_agree;
      summary["logits_n_tokens"] = cmp.n_tokens;
    }
    if (f.f32_out.empty()) std::remove(f32.c_str());
  }
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}


struct CheckFlags {
  std::string model;
  std::string data;
  bool flash_attn = false;
  int threads = 2;
};

// Loads the GGUF's weights into the libtorch model and compares logits with llama.cpp on the very
// same weights (an F16 file is compared as F16 values on both sides).
int RunCheckLogits(const CheckFlags& f) {
  ConfigureLlamaLogging();
  const GgufModel gguf = ReadLlamaGguf(f.model);
  torch::set_num_threads(f.threads);
  LlamaTorch model(gguf.config);
  model->ImportTensors(gguf.tensors);
  std::vector<Problem> problems = ReadProblems(f.data.empty() ? BundledModelPath("testbed-test.jsonl") : f.data + "/test.jsonl");
  if (problems.size() > 8) problems.resize(8);
  const TestbedTokenizer tokenizer(f.model);
  const LogitsComparison cmp =
      CompareLogitsWithLlamaCpp(model, f.model, CheckTokens(TokenizeProblems(tokenizer, problems)), f.threads, f.flash_attn);
  std::printf("%s\n", nlohmann::json({{"model", f.model}, {"max_abs_diff", cmp.max_abs_diff}, {"argmax_agree", cmp.argmax_agree},
                                      {"n_tokens", cmp.n_tokens}, {"flash_attn", f.flash_attn}}).dump().c_str());
  return 0;
}
#endif

CommandMain SetupCheckLogits(CLI::App* sub) {
#ifdef RELAYGEN_HAVE_TESTBED_TRAINER
  auto f = std::make_shared<CheckFlags>();
  sub->add_option("-m,--model", f->model, "Model (GGUF)")->required();
  sub->add_option("--data", f->data, "Data directory (default: the bundled test split)");
  sub->add_flag("--flash-attn", f->flash_attn, "Run llama.cpp with flash attention");
  sub->add_option("--threads", f->threads, "CPU threads")->capture_default_str();
  return [f] { return RunCheckLogits(*f); };
#else
  (void)sub;
  return [] () -> int { throw Error("this relaygen was built without the libtorch trainer"); };
#endif
}

CommandMain SetupTrain(CLI::App* sub) {
  auto f = std::make_shared<TrainFlags>();
  sub->add_option("--data", f->data, "Directory written by `relaygen testbed data`")->required();
  sub->add_option("--out", f->out, "Output GGUF")->required();
  sub->add_option("--size", f->size, "Preset: small (64 dim, 2 layers) or large (128 dim, 6 layers)")->capture_default_str();
  sub->add_option("--n-embd", f->n_embd, "Override the preset's embedding size");
  sub->add_option("--n-layer", f->n_layer, "Override the preset's layer count");
  sub->add_option("--n-head", f->n_head, "Override the preset's head count");
  sub->add_option("--n-ff", f->n_ff, "Override the preset's feed-forward size");
  sub->add_option("--type", f->type, "Storage type of the GGUF: f32, f16 or q8_0")->capture_default_str();
  sub->add_option("--f32-out", f->f32_out, "Also write an F32 GGUF here");
  sub->add_flag("--check-logits", f->check_logits, "Compare llama.cpp's logits with libtorch's on 256 test tokens");
  sub->add_option("--log", f->log, "Write the training log here (JSON lines)");
  sub->add_option("--init", f->init, "Start from this GGUF's weights (same shape) instead of random ones");
#ifdef RELAYGEN_HAVE_TESTBED_TRAINER
  sub->add_option("--steps", f->train.steps, "Optimizer steps (fixed)")->capture_default_str();
  sub->add_option("--batch", f->train.batch, "Sequences per step")->capture_default_str();
  sub->add_option("--lr", f->train.lr, "Peak learning rate")->capture_default_str();
  sub->add_option("--warmup", f->train.warmup, "Warmup steps")->capture_default_str();
  sub->add_option("--seed", f->train.seed, "Seed (weights and data order)")->capture_default_str();
  sub->add_option("--threads", f->train.threads, "CPU threads")->capture_default_str();
  return [f] { return RunTrain(*f); };
#else
  return [] () -> int {
    throw Error("this relaygen was built without the libtorch trainer (configure with -DRELAYGEN_TESTBED_TRAINER=ON; "
                "Debian: apt-get install libtorch-dev libopenblas0-openmp)");
  };
#endif
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
};

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
  std::unique_ptr<std::ofstream> traces;
  if (!f.traces.empty()) traces = std::make_unique<std::ofstream>(f.traces);
  int n = 0, correct = 0, boxed = 0, closed = 0;
  int64_t tokens = 0;
  double decode_ms = 0;
  ErrorTally tally;
  for (const Problem& p : problems) {
    const std::string prompt = model->RenderChat({{"user", p.UserMessage()}});
    for (int s = 0; s < f.samples; ++s) {
      SegmentRequest req;
      req.max_tokens = f.max_tokens;
      req.sampling.temperature = f.temperature;
      req.sampling.top_p = f.top_p;
      req.sampling.top_k = f.top_k;
      req.sampling.seed = f.seed + 1000003ULL * n;
      const Segment seg = session->Generate(prompt, req);
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
  AddEngineFlags(sub, &f->engine);
  sub->add_flag("--json", f->json, "One-line JSON output");
  return [f] { return RunEval(*f); };
}

CommandMain SetupTestbed(CLI::App* sub) {
  sub->require_subcommand(1);
  static std::vector<CommandMain> mains(4);
  CLI::App* data = sub->add_subcommand("data", "Generate the task's splits and learn the tokenizer");
  mains[0] = SetupData(data);
  CLI::App* train = sub->add_subcommand("train", "Train a testbed model (needs the libtorch trainer)");
  mains[1] = SetupTrain(train);
  CLI::App* eval = sub->add_subcommand("eval", "Evaluate a model on a split: accuracy, boxed rate, ms/token");
  mains[2] = SetupEval(eval);
  CLI::App* check = sub->add_subcommand("check-logits", "Compare llama.cpp's logits with libtorch's on a GGUF's weights");
  mains[3] = SetupCheckLogits(check);
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
