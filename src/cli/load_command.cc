// relaygen load: a load generator for any OpenAI-compatible server (relaygen serve, llama-server,
// vLLM, SGLang). For each client count it runs that many clients at once, each sending its share
// of chat completions built from a dataset's problems, and reports tokens per second over all
// requests, request latency and failures — the same load against different servers, side by side.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/command.h"
#include "cli/flags.h"
#include "eval/dataset.h"
#include "util/error.h"

namespace relaygen {
namespace {

using nlohmann::json;

struct LoadFlags {
  std::string url = "http://127.0.0.1:8080";
  std::string model = "relaygen";
  std::string clients = "1,2,4,8";
  int requests = 8;  // per client
  int max_tokens = 512;
  std::string dataset = "testbed";
  DatasetOptions data;
  Sampling sampling;
  double timeout_s = 600;
  std::string out;
};

struct LevelResult {
  int clients = 0;
  int requests = 0;
  int failures = 0;
  long completion_tokens = 0;
  double wall_s = 0;
  std::vector<double> latencies_s;
  std::string first_error;
};

std::vector<int> ParseCounts(const std::string& list) {
  std::vector<int> counts;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      const int n = std::stoi(item);
      if (n <= 0) throw std::invalid_argument("not positive");
      counts.push_back(n);
    } catch (const std::exception&) {
      throw Error("--clients takes positive numbers separated by commas (got '" + list + "')");
    }
  }
  if (counts.empty()) throw Error("--clients is empty");
  return counts;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

LevelResult RunLevel(const LoadFlags& flags, const std::vector<EvalProblem>& problems, int n_clients) {
  LevelResult level;
  level.clients = n_clients;
  std::mutex mu;  // guards level
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < n_clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client(flags.url);
      client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::duration<double>(flags.timeout_s)));
      for (int i = 0; i < flags.requests; ++i) {
        const EvalProblem& p = problems[static_cast<size_t>(c * flags.requests + i) % problems.size()];
        json body = {{"model", flags.model},
                     {"messages", {{{"role", "user"}, {"content", p.prompt}}}},
                     {"max_tokens", flags.max_tokens},
                     {"temperature", flags.sampling.temperature},
                     {"top_p", flags.sampling.top_p},
                     {"top_k", flags.sampling.top_k},
                     {"seed", flags.sampling.seed + static_cast<uint64_t>(c * 1000 + i)}};
        if (flags.sampling.ignore_eos) body["ignore_eos"] = true;
        const auto sent = std::chrono::steady_clock::now();
        auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
        const double latency = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
        std::lock_guard<std::mutex> lock(mu);
        ++level.requests;
        std::string error;
        long tokens = 0;
        if (!r) {
          error = "no response (" + httplib::to_string(r.error()) + ")";
        } else if (r->status != 200) {
          error = "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
        } else {
          const json reply = json::parse(r->body, nullptr, false);
          if (!reply.contains("usage") || !reply["usage"].contains("completion_tokens")) {
            error = "a response without usage.completion_tokens";
          } else {
            tokens = reply["usage"]["completion_tokens"].get<long>();
          }
        }
        if (!error.empty()) {
          ++level.failures;
          if (level.first_error.empty()) level.first_error = error;
          continue;
        }
        level.completion_tokens += tokens;
        level.latencies_s.push_back(latency);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  level.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return level;
}

int RunLoad(const LoadFlags& flags) {
  if (flags.requests <= 0 || flags.max_tokens <= 0) throw Error("--requests and --max-tokens must be positive");
  const std::vector<int> levels = ParseCounts(flags.clients);
  const std::vector<EvalProblem> problems = LoadDataset(flags.dataset, flags.data);
  if (problems.empty()) throw Error("dataset '" + flags.dataset + "' has no problems");
  httplib::Client probe(flags.url);
  probe.set_connection_timeout(std::chrono::seconds(5));
  auto health = probe.Get("/health");
  if (!health) throw Error("no server answers at " + flags.url);

  json out = {{"url", flags.url}, {"model", flags.model}, {"requests_per_client", flags.requests},
              {"max_tokens", flags.max_tokens}, {"levels", json::array()}};
  std::printf("| clients | requests | failures | completion tokens | wall s | tokens/s | p50 latency s | p90 latency s |\n"
              "|---|---|---|---|---|---|---|---|\n");
  double base = 0;
  for (int n : levels) {
    const LevelResult r = RunLevel(flags, problems, n);
    const double tps = r.wall_s > 0 ? static_cast<double>(r.completion_tokens) / r.wall_s : 0;
    if (base == 0) base = tps;
    std::printf("| %d | %d | %d | %ld | %.2f | %.1f | %.3f | %.3f |\n", n, r.requests, r.failures, r.completion_tokens,
                r.wall_s, tps, Percentile(r.latencies_s, 0.5), Percentile(r.latencies_s, 0.9));
    std::fflush(stdout);
    if (!r.first_error.empty()) std::fprintf(stderr, "relaygen load: %d clients: first failure: %s\n", n, r.first_error.c_str());
    out["levels"].push_back({{"clients", n}, {"requests", r.requests}, {"failures", r.failures},
                             {"completion_tokens", r.completion_tokens}, {"wall_s", r.wall_s},
                             {"tokens_per_s", tps}, {"speedup_over_first", base > 0 ? tps / base : 0},
                             {"p50_latency_s", Percentile(r.latencies_s, 0.5)},
                             {"p90_latency_s", Percentile(r.latencies_s, 0.9)}});
  }
  if (!flags.out.empty()) {
    std::ofstream file(flags.out);
    file << out.dump(2) << "\n";
    if (!file) throw Error("cannot write " + flags.out);
  }
  return 0;
}

CommandMain SetupLoad(CLI::App* sub) {
  RegisterBundledDatasets();
  auto flags = std::make_shared<LoadFlags>();
  sub->add_option("--url", flags->url, "Base URL of the server")->capture_default_str();
  sub->add_option("--model", flags->model, "The model name requests carry")->capture_default_str();
  sub->add_option("--clients", flags->clients, "Client counts to run, one level after another")->capture_default_str();
  sub->add_option("--requests", flags->requests, "Requests per client and level")->capture_default_str();
  sub->add_option("-n,--max-tokens", flags->max_tokens, "max_tokens of every request")->capture_default_str();
  sub->add_option("--dataset", flags->dataset, "Where the prompts come from (dataset name or JSONL path)")
      ->capture_default_str();
  sub->add_option("--timeout", flags->timeout_s, "Seconds a request may take")->capture_default_str();
  sub->add_option("--out", flags->out, "Also write the results as JSON to this file");
  AddDatasetFlags(sub, &flags->data);
  AddSamplingFlags(sub, &flags->sampling);
  return [flags] { return RunLoad(*flags); };
}

const CommandRegistration registration("load", "Load generator for OpenAI-compatible servers (tokens/s at 1..N clients)",
                                       SetupLoad);

}  // namespace
}  // namespace relaygen
