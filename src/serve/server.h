// relaygen serve's HTTP side: OpenAI's /v1/chat/completions and /v1/completions (streamed as
// server-sent events or not), /v1/models, /health and /metrics, on cpp-httplib.
//
// The server listens before the models are loaded, so /health can say 503 while they load. Every
// error is answered in OpenAI's shape ({"error": {message, type, param, code}}): 400 bad request,
// 404 unknown route/model/policy/profile, 413 body too large, 429 the line for a slot is full,
// 503 still loading or no slot freed in time, 502 the engine failed mid-request.
#ifndef RELAYGEN_SERVE_SERVER_H_
#define RELAYGEN_SERVE_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "serve/api_request.h"
#include "serve/generation.h"
#include "serve/metrics.h"
#include "serve/slot_pool.h"

namespace httplib {
class Server;
class Request;
class Response;
}  // namespace httplib

namespace relaygen {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                 // 0: any free port (see Server::port)
  int max_queue = 16;              // requests that may wait for a slot; more get 429 at once
  double queue_timeout_s = 60;     // a request waiting longer gets 503
  size_t max_body_bytes = 1 << 20; // larger bodies get 413
  RequestDefaults defaults;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address (relaygen::Error when it cannot); /health answers 503 until Start.
  void Bind();
  int port() const { return port_; }
  // Serves requests from now on, on `slots`. `extra_metrics` adds lines to /metrics.
  void Start(ServingConfig config, std::unique_ptr<SlotPool> slots, std::function<Metrics::Extra()> extra_metrics);
  // Answers requests until Stop (from any thread, a signal handler's thread included).
  void Run();
  void Stop();

 private:
  void Routes();
  void Completion(const httplib::Request& req, httplib::Response& res, bool chat);
  void Stream(httplib::Response& res, const ApiRequest& request, std::shared_ptr<SlotPool::Lease> lease);
  std::string NewId(bool chat);

  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  Metrics metrics_;
  std::string id_prefix_;          // random per server, so ids of two servers do not collide
  std::atomic<uint64_t> next_id_{0};
  std::atomic<bool> run_returned_{false};  // Run's listen loop has ended

  std::atomic<bool> ready_{false}; // Start has run: the members below are set and never change
  ServingConfig config_;
  std::unique_ptr<SlotPool> slots_;
  std::function<Metrics::Extra()> extra_metrics_;
};

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_SERVER_H_
