// relaygen spec-cost: what a verify batch of b tokens costs the large model on this machine, measured
// in the speculative loop itself (engine/speculative.h), and the acceptance rate at which drafting k
// tokens per batch breaks even. Where speculation does not pay (a verify batch of b tokens costs
// close to b decode steps on a compute-bound tiny model), this says by how much.
//
// Model (Leviathan et al. 2023): each drafted token is accepted with probability α independently,
// so a batch of k drafts yields E(α, k) = (1 − α^(k+1)) / (1 − α) tokens and costs
// verify(k+1) + k × draft ms/token; speculation pays when E × verify(1) exceeds that cost.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "engine/llama_engine.h"
#include "engine/speculative.h"
#include "util/error.h"

namespace relaygen {
namespace {

struct SpecCostFlags {
  std::string large = BundledModelPath("testbed-large.gguf");
  std::string small = BundledModelPath("testbed-small.gguf");
  std::string prompt = "Leo has 19 stamps. Then he loses 16 stamps. Then he gets 48 more stamps. How many stamps does "
                       "Leo have now? Please reason step by step, and put your final answer within \\boxed{}.";
  LlamaOptions engine;
  int n_max = 16;
  int tokens = 128;
  int reps = 5;
  std::string out;
};

// Drafts k copies of the token drawn last: almost always rejected, so every step is one verify
// batch of k + 1 tokens that yields one token — the batch's cost, in the loop's own bookkeeping.
class RepeatDrafter : public Drafter {
 public:
  explicit RepeatDrafter(int k) : k_(k) {}
  std::vector<Token> Draft(const std::vector<Token>& context, const std::string& text, int n_max) override {
    (void)text;
    return std::vector<Token>(std::min(k_, n_max), context.back());
  }

 private:
  int k_;
};

// Expected tokens per verify batch of k drafts at per-token acceptance `a`.
double ExpectedTokens(double a, int k) {
  double sum = 0, p = 1;
  for (int i = 0; i <= k; ++i, p *= a) sum += p;
  return sum;
}

// The acceptance rate at which k drafts per batch break even (bisection; 1 if they never do).
double BreakEven(double verify_1, double verify_k1, double draft_ms, int k) {
  const double cost = (verify_k1 + k * draft_ms) / verify_1;  // in decode steps
  if (ExpectedTokens(1.0, k) < cost) return 1.0;
  double lo = 0, hi = 1;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (ExpectedTokens(mid, k) < cost ? lo : hi) = mid;
  }
  return hi;
}

int RunSpecCost(const SpecCostFlags& flags) {
  if (flags.n_max < 1 || flags.tokens < 8 || flags.reps < 1) throw Error("need --n-max >= 1, --tokens >= 8, --reps >= 1");
  auto large = LlamaModel::Open(flags.large, flags.engine);
  auto small = LlamaModel::Open(flags.small, flags.engine);
  const std::string prompt = large->RenderChat({{"user", flags.prompt}});
  SegmentRequest request;
  request.max_tokens = flags.tokens;
  // One session per batch size, each keeping the prompt cached; sizes interleaved in every round
  // so that machine noise hits all of them alike.
  std::vector<std::unique_ptr<Session>> sessions;
  for (int k = 0; k <= flags.n_max; ++k) {
    SpecOptions o;
    o.n_max = std::max(k, 1);
    o.adaptive = false;
    sessions.push_back(std::make_unique<SpeculativeSession>(large->NewSession(), std::make_unique<RepeatDrafter>(k), o));
  }
  auto small_session = small->NewSession();
  // Per batch size, the fastest round: the machine's noise (other processes) only adds time.
  std::vector<double> best(flags.n_max + 1, 0);
  double draft_ms = 0;
  for (int rep = 0; rep <= flags.reps; ++rep) {  // round 0 warms up
    for (int k = 0; k <= flags.n_max; ++k) {
      const Segment seg = sessions[k]->Generate(prompt, request);
      // Every step is one decode (a batch with drafts, or the lone token) that yields its accepted
      // drafts and one token of its own; the last token is never evaluated.
      const double steps = static_cast<double>(seg.tokens.size()) - seg.spec.accepted - 1;
      if (rep > 0 && (best[k] == 0 || seg.decode_ms / steps < best[k])) best[k] = seg.decode_ms / steps;
    }
    const Segment s = small_session->Generate(prompt, request);
    const double per_token = s.decode_ms / static_cast<double>(s.tokens.size());
    if (rep > 0 && (draft_ms == 0 || per_token < draft_ms)) draft_ms = per_token;
  }
  const double verify_1 = best[0];
  nlohmann::ordered_json out = {{"large", flags.large}, {"small", flags.small}, {"tokens", flags.tokens},
                                {"reps", flags.reps}, {"decode_ms", verify_1}, {"small_ms_per_token", draft_ms},
                                {"batches", nlohmann::ordered_json::array()}};
  std::printf("| batch tokens b | ms / batch | × one decode | break-even acceptance, n-gram drafts | "
              "break-even acceptance, small-model drafts |\n|---|---|---|---|---|\n");
  for (int k = 0; k <= flags.n_max; ++k) {
    const double verify = best[k];
    const double ngram = k == 0 ? 0 : BreakEven(verify_1, verify, 0, k);
    const double draft = k == 0 ? 0 : BreakEven(verify_1, verify, draft_ms, k);
    std::printf("| %d | %.3f | %.2f | %s | %s |\n", k + 1, verify, verify / verify_1,
                k == 0 ? "–" : (std::to_string(ngram).substr(0, 5)).c_str(),
                k == 0 ? "–" : (draft >= 1 ? std::string("never") : std::to_string(draft).substr(0, 5)).c_str());
    out["batches"].push_back({{"b", k + 1}, {"ms", verify}, {"ratio", verify / verify_1},
                              {"break_even_ngram", ngram}, {"break_even_draft", draft}});
  }
  std::printf("\none decode %.3f ms, small model %.3f ms/token (draft cost per drafted token)\n", verify_1, draft_ms);
  if (!flags.out.empty()) {
    std::ofstream file(flags.out);
    file << out.dump(2) << "\n";
    if (!file) throw Error("cannot write " + flags.out);
  }
  return 0;
}

CommandMain SetupSpecCost(CLI::App* sub) {
  auto flags = std::make_shared<SpecCostFlags>();
  sub->add_option("--large", flags->large, "Target model (GGUF)")->capture_default_str();
  sub->add_option("--small", flags->small, "Draft model (GGUF), for its ms/token")->capture_default_str();
  sub->add_option("-p,--prompt", flags->prompt, "User message the batches continue");
  sub->add_option("--n-max", flags->n_max, "Largest number of drafts per batch")->capture_default_str();
  sub->add_option("--tokens", flags->tokens, "Tokens generated per measurement")->capture_default_str();
  sub->add_option("--reps", flags->reps, "Measured rounds after one warm-up round (the fastest counts)")->capture_default_str();
  sub->add_option("--out", flags->out, "Also write the numbers as JSON to this file");
  AddEngineFlags(sub, &flags->engine);
  return [flags] { return RunSpecCost(*flags); };
}

const CommandRegistration registration("spec-cost",
                                       "Speculative decoding's verify-batch cost curve and break-even acceptance",
                                       SetupSpecCost);

}  // namespace
}  // namespace relaygen
