// relaygen-train: the libtorch half of `relaygen testbed` (train, check-logits), a separate
// executable so that only these commands load libtorch. `relaygen testbed train|check-logits`
// execs it with the same arguments; it can also be run directly.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <unistd.h>

#include "cli/command.h"
#include "cli/flags.h"
#include "engine/llama_engine.h"
#include "testbed/chat_template.h"
#include "testbed/gguf_writer.h"
#include "testbed/logits_check.h"
#include "testbed/task.h"
#include "testbed/tokenizer.h"
#include "testbed/trainer.h"
#include "util/error.h"

namespace relaygen {
namespace {

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
  TrainOptions train;
};

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
    c.n_embd = 64, c.n_layer = 4, c.n_head = 4, c.n_ff = 192;
  } else if (f.size == "large") {
    c.n_embd = 128, c.n_layer = 8, c.n_head = 4, c.n_ff = 384;
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

std::function<int()> SetupCheckLogits(CLI::App* sub) {
  auto f = std::make_shared<CheckFlags>();
  sub->add_option("-m,--model", f->model, "Model (GGUF)")->required();
  sub->add_option("--data", f->data, "Data directory (default: the bundled test split)");
  sub->add_flag("--flash-attn", f->flash_attn, "Run llama.cpp with flash attention");
  sub->add_option("--threads", f->threads, "CPU threads")->capture_default_str();
  return [f] { return RunCheckLogits(*f); };
}

std::function<int()> SetupTrain(CLI::App* sub) {
  auto f = std::make_shared<TrainFlags>();
  sub->add_option("--data", f->data, "Directory written by `relaygen testbed data`")->required();
  sub->add_option("--out", f->out, "Output GGUF")->required();
  sub->add_option("--size", f->size, "Preset: small (64 dim, 4 layers) or large (128 dim, 8 layers)")->capture_default_str();
  sub->add_option("--n-embd", f->n_embd, "Override the preset's embedding size");
  sub->add_option("--n-layer", f->n_layer, "Override the preset's layer count");
  sub->add_option("--n-head", f->n_head, "Override the preset's head count");
  sub->add_option("--n-ff", f->n_ff, "Override the preset's feed-forward size");
  sub->add_option("--type", f->type, "Storage type of the GGUF: f32, f16 or q8_0")->capture_default_str();
  sub->add_option("--f32-out", f->f32_out, "Also write an F32 GGUF here");
  sub->add_flag("--check-logits", f->check_logits, "Compare llama.cpp's logits with libtorch's on 256 test tokens");
  sub->add_option("--log", f->log, "Write the training log here (JSON lines)");
  sub->add_option("--init", f->init, "Start from this GGUF's weights (same shape) instead of random ones");
  sub->add_option("--steps", f->train.steps, "Optimizer steps (fixed)")->capture_default_str();
  sub->add_option("--batch", f->train.batch, "Sequences per step")->capture_default_str();
  sub->add_option("--lr", f->train.lr, "Peak learning rate")->capture_default_str();
  sub->add_option("--warmup", f->train.warmup, "Warmup steps")->capture_default_str();
  sub->add_option("--seed", f->train.seed, "Seed (weights and data order)")->capture_default_str();
  sub->add_option("--threads", f->train.threads, "CPU threads")->capture_default_str();
  return [f] { return RunTrain(*f); };
}

}  // namespace
}  // namespace relaygen

int main(int argc, char** argv) {
  CLI::App app{"relaygen-train: train testbed models and check their logits against llama.cpp (libtorch)"};
  app.require_subcommand(1);
  CLI::App* train = app.add_subcommand("train", "Train a testbed model");
  const std::function<int()> run_train = relaygen::SetupTrain(train);
  CLI::App* check = app.add_subcommand("check-logits", "Compare llama.cpp's logits with libtorch's on a GGUF's weights");
  const std::function<int()> run_check = relaygen::SetupCheckLogits(check);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return relaygen::RunReportingErrors(train->parsed() ? run_train : run_check);
}
