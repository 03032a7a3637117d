#include "serve/metrics.h"

#include <cstdio>

namespace relaygen {
namespace {

std::string Format(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

void Counter(std::string* out, const char* name, const char* help, uint64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
          std::to_string(value) + "\n";
}

void Gauge(std::string* out, const char* name, const char* help, int64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
          std::to_string(value) + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

std::string Histogram::Render(const std::string& name, const std::string& help) const {
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{le=\"" + Format(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += counts_.back();
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name + "_sum " + Format(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
  return out;
}

Metrics::Metrics()
    : first_output_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      latency_({0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}) {}

void Metrics::RequestDone(const std::string& policy, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{policy, status}];
}

void Metrics::GenerationDone(const RunStats& stats, double first_output_s, double total_s) {
  std::lock_guard<std::mutex> lock(mu_);
  large_tokens_ += static_cast<uint64_t>(stats.large_tokens);
  small_tokens_ += static_cast<uint64_t>(stats.small_tokens);
  switches_ += static_cast<uint64_t>(stats.switches_l_to_s + stats.switches_s_to_l);
  handoff_prefill_tokens_ += static_cast<uint64_t>(stats.handoff_prefill_tokens);
  ahead_prefill_tokens_ += static_cast<uint64_t>(stats.ahead_prefill_tokens);
  if (first_output_s >= 0) first_output_.Observe(first_output_s);
  latency_.Observe(total_s);
}

void Metrics::RequestQueued(int delta) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_ += delta;
}

void Metrics::RequestRunning(int delta) {
  std::lock_guard<std::mutex> lock(mu_);
  running_ += delta;
}

std::string Metrics::Render(const Extra& extra) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = "# HELP relaygen_requests_total Requests answered, by policy and HTTP status\n"
                    "# TYPE relaygen_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += "relaygen_requests_total{policy=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP relaygen_generated_tokens_total Tokens generated, by model\n"
         "# TYPE relaygen_generated_tokens_total counter\n"
         "relaygen_generated_tokens_total{model=\"large\"} " + std::to_string(large_tokens_) + "\n"
         "relaygen_generated_tokens_total{model=\"small\"} " + std::to_string(small_tokens_) + "\n";
  Counter(&out, "relaygen_switches_total", "Handoffs between the models (both directions)", switches_);
  Counter(&out, "relaygen_handoff_prefill_tokens_total", "Tokens prefilled at handoffs, on the critical path",
          handoff_prefill_tokens_);
  Counter(&out, "relaygen_ahead_prefill_tokens_total", "Tokens the idle model prefilled ahead, off the critical path",
          ahead_prefill_tokens_);
  Gauge(&out, "relaygen_requests_running", "Requests generating now", running_);
  Gauge(&out, "relaygen_requests_queued", "Requests waiting for a slot", queued_);
  out += first_output_.Render("relaygen_first_output_seconds", "Time from a request's arrival to its first output text");
  out += latency_.Render("relaygen_request_seconds", "Time from a request's arrival to its last byte");
  for (const std::string& line : extra) out += line;
  return out;
}

}  // namespace relaygen
