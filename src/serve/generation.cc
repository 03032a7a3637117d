#include "serve/generation.h"

#include <atomic>
#include <chrono>
#include <vector>

#include "serve/stoppable_session.h"
#include "util/error.h"

namespace relaygen {
namespace {

std::string FinishReason(const PolicyResult& result, bool stopped) {
  if (stopped || result.segments.empty()) return "stop";
  const std::string& end = result.segments.back().ended_by;
  return end == "budget" || end == "context" ? "length" : "stop";
}

}  // namespace

GenerationResult RunGeneration(const ServingConfig& config, Slot& slot, const ApiRequest& request,
                               const DeltaSink& sink) {
  const auto start = std::chrono::steady_clock::now();
  const std::string prompt = request.chat ? config.chat_model->RenderChat(request.messages) : request.prompt;
  const auto options = config.profiles.find(request.profile);
  if (options == config.profiles.end()) throw Error("internal: no cue profile '" + request.profile + "'");

  std::atomic<bool> stop{false};
  const bool uses_large = PolicyUsesLarge(request.policy), uses_small = PolicyUsesSmall(request.policy);
  StoppableSession large(slot.large.get(), &stop), small(slot.small.get(), &stop);
  const std::unique_ptr<Policy> policy = MakePolicy(request.policy, uses_large ? &large : nullptr,
                                                    uses_small ? &small : nullptr, options->second);

  GenerationResult out;
  OutputStream stream(request.stop, request.chat);
  std::vector<OutputDelta> deltas;
  auto deliver = [&] {
    for (const OutputDelta& d : deltas) {
      if (out.first_output_s < 0) {
        out.first_output_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
      if (!out.client_gone && !sink(d)) {
        out.client_gone = true;
        stop.store(true, std::memory_order_release);
      }
    }
    deltas.clear();
  };
  const PolicyResult result = policy->Run(prompt, request.sampling, request.max_tokens,
                                          [&](Writer writer, std::string_view text) {
                                            if (stop.load(std::memory_order_acquire)) return;
                                            if (!stream.Add(writer, text, &deltas)) {
                                              stop.store(true, std::memory_order_release);
                                            }
                                            deliver();
                                          });
  if (!stop.load()) {
    stream.Finish(&deltas);
    deliver();
  }
  if (config.observe) config.observe(request, prompt, result);
  out.reasoning = stream.reasoning();
  out.content = stream.content();
  out.finish_reason = FinishReason(result, stream.stopped());
  out.stats = result.stats;
  out.completion_tokens = result.stats.large_tokens + result.stats.small_tokens;
  const Session& counter = uses_large ? *slot.large : *slot.small;
  out.prompt_tokens = counter.CountTokens(prompt);
  const int prefilled = result.segments.empty() ? out.prompt_tokens : result.segments.front().prefill_tokens;
  out.cached_tokens = std::max(0, out.prompt_tokens - prefilled);
  return out;
}

}  // namespace relaygen
