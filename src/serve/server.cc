#include "serve/server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "serve/api_response.h"
#include "util/error.h"

namespace relaygen {
namespace {

using Clock = std::chrono::steady_clock;

void SendError(httplib::Response& res, int status, const std::string& type, const std::string& param,
               const std::string& message) {
  res.status = status;
  res.set_content(Dump(ErrorJson(status, type, param, message)), "application/json");
}

std::string SseEvent(const nlohmann::ordered_json& json) { return "data: " + Dump(json) + "\n\n"; }

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%08x%08x", rd(), rd());
  id_prefix_ = buf;
  // Each connection holds a thread while it lives (keep-alive included), so there are enough for
  // every slot, every request in line, and /health and /metrics beside them.
  const int threads = std::max(32, options_.max_queue + 16 + 8);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_keep_alive_max_count(1000);
  Routes();
}

Server::~Server() = default;

void Server::Bind() {
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
  } else {
    port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    throw Error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                " (in use, or not an address of this machine)");
  }
}

void Server::Start(ServingConfig config, std::unique_ptr<SlotPool> slots, std::function<Metrics::Extra()> extra) {
  config_ = std::move(config);
  slots_ = std::move(slots);
  extra_metrics_ = std::move(extra);
  ready_.store(true, std::memory_order_release);
}

void Server::Run() {
  http_->listen_after_bind();
  run_returned_.store(true, std::memory_order_release);
}

void Server::Stop() {
  // httplib's stop() does nothing before the listen loop runs, and the loop would then run on:
  // wait until it runs (or has ended).
  while (!http_->is_running() && !run_returned_.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  http_->stop();
}

std::string Server::NewId(bool chat) {
  return std::string(chat ? "chatcmpl-" : "cmpl-") + id_prefix_ + std::to_string(next_id_.fetch_add(1));
}

void Server::Routes() {
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    if (!ready_.load(std::memory_order_acquire)) {
      SendError(res, 503, "unavailable_error", "", "the models are loading");
      return;
    }
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::ordered_json data = nlohmann::ordered_json::array();
    auto add = [&data](const std::string& id) {
      data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "relaygen"}});
    };
    add("relaygen");
    for (const std::string& policy : options_.defaults.policies) add(ModelNameForPolicy(policy));
    res.set_content(Dump({{"object", "list"}, {"data", data}}), "application/json");
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = ready_.load(std::memory_order_acquire);
    res.set_content(metrics_.Render(ready && extra_metrics_ ? extra_metrics_() : Metrics::Extra{}),
                    "text/plain; version=0.0.4");
  });
  http_->Post("/v1/chat/completions",
              [this](const httplib::Request& req, httplib::Response& res) { Completion(req, res, true); });
  http_->Post("/v1/completions",
              [this](const httplib::Request& req, httplib::Response& res) { Completion(req, res, false); });
  // Statuses httplib sets itself (no route, a body over the limit) get OpenAI's error shape too.
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      SendError(res, 413, "invalid_request_error", "", "the request body is too large");
    } else if (res.status == 404) {
      SendError(res, 404, "invalid_request_error", "", "no route " + req.method + " " + req.path);
    } else {
      SendError(res, res.status, "invalid_request_error", "", "request refused (HTTP " + std::to_string(res.status) + ")");
    }
  });
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    SendError(res, 500, "server_error", "", "internal error: " + what);
  });
}

void Server::Completion(const httplib::Request& req, httplib::Response& res, bool chat) {
  const auto start = Clock::now();
  if (!ready_.load(std::memory_order_acquire)) {
    SendError(res, 503, "unavailable_error", "", "the models are loading");
    return;
  }
  ApiRequest request;
  try {
    request = ParseApiRequest(req.body, chat, options_.defaults);
  } catch (const ApiError& e) {
    metrics_.RequestDone("", e.status());
    SendError(res, e.status(), e.type(), e.param(), e.what());
    return;
  }
  SlotPool::Refusal refusal;
  metrics_.RequestQueued(+1);
  std::shared_ptr<SlotPool::Lease> lease =
      slots_->Acquire(std::chrono::milliseconds(static_cast<int64_t>(options_.queue_timeout_s * 1000)), &refusal);
  metrics_.RequestQueued(-1);
  if (lease == nullptr) {
    const bool full = refusal == SlotPool::Refusal::kQueueFull;
    metrics_.RequestDone(request.policy, full ? 429 : 503);
    SendError(res, full ? 429 : 503, full ? "rate_limit_error" : "unavailable_error", "",
              full ? "the server is busy: every slot is taken and the line is full; retry later"
                   : "no slot freed up in time; retry later");
    return;
  }
  if (request.stream) {
    Stream(res, request, std::move(lease));
    return;
  }
  metrics_.RequestRunning(+1);
  try {
    const GenerationResult result =
        RunGeneration(config_, lease->slot(), request, [](const OutputDelta&) { return true; });
    const ResponseHeader header{NewId(chat), UnixSeconds(), request.model, chat};
    res.set_content(Dump(ResponseJson(header, request.policy, result)), "application/json");
    metrics_.GenerationDone(result.stats, result.first_output_s, SecondsSince(start));
    metrics_.RequestDone(request.policy, 200);
  } catch (const ContextOverflow& e) {
    metrics_.RequestDone(request.policy, 400);
    SendError(res, 400, "invalid_request_error", "messages", std::string(e.what()));
  } catch (const Error& e) {
    metrics_.RequestDone(request.policy, 502);
    SendError(res, 502, "server_error", "", std::string("the engine failed: ") + e.what());
  }
  metrics_.RequestRunning(-1);
}

void Server::Stream(httplib::Response& res, const ApiRequest& request, std::shared_ptr<SlotPool::Lease> lease) {
  const auto start = Clock::now();
  const ResponseHeader header{NewId(request.chat), UnixSeconds(), request.model, request.chat};
  // The provider runs after this handler returns, on the same connection thread; it writes the
  // whole stream in its first call.
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [this, start, header, request, lease](size_t, httplib::DataSink& sink) {
        metrics_.RequestRunning(+1);
        bool first = true;
        auto write = [&sink](const std::string& event) { return sink.write(event.data(), event.size()); };
        int status = 200;
        try {
          const GenerationResult result =
              RunGeneration(config_, lease->slot(), request, [&](const OutputDelta& delta) {
                const bool ok = write(SseEvent(DeltaChunk(header, delta, first)));
                first = false;
                return ok;
              });
          if (!result.client_gone) {
            write(SseEvent(FinishChunk(header, result.finish_reason)));
            if (request.include_usage) write(SseEvent(UsageChunk(header, request.policy, result)));
            write("data: [DONE]\n\n");
          }
          metrics_.GenerationDone(result.stats, result.first_output_s, SecondsSince(start));
          if (result.client_gone) status = 499;  // nginx's "client closed request"
        } catch (const Error& e) {
          // The status line is gone already: the error travels as an event, as OpenAI's does.
          status = dynamic_cast<const ContextOverflow*>(&e) != nullptr ? 400 : 502;
          write(SseEvent(ErrorJson(status, status == 400 ? "invalid_request_error" : "server_error", "",
                                   std::string("the engine failed: ") + e.what())));
          write("data: [DONE]\n\n");
        }
        metrics_.RequestDone(request.policy, status);
        metrics_.RequestRunning(-1);
        sink.done();
        return true;
      });
}

}  // namespace relaygen
