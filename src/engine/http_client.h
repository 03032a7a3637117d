// HTTP for remote engines (remote_engine.h): JSON requests and server-sent-event streams to one
// model server, with connect/read timeouts and retries that never repeat work the server already
// streamed back. cpp-httplib underneath.
#ifndef RELAYGEN_ENGINE_HTTP_CLIENT_H_
#define RELAYGEN_ENGINE_HTTP_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace httplib {
class Client;
}

namespace relaygen {

struct HttpOptions {
  double connect_timeout_s = 5;
  double read_timeout_s = 120;  // the longest silence allowed while waiting for (more of) an answer
  // Extra attempts for a request the server never answered (refused, reset, timed out before the
  // first byte, 503 while loading). A stream that has delivered an event is never retried: the
  // caller would see text twice.
  int retries = 2;
  double backoff_s = 0.25;  // the pause before the first retry; doubles each time
  std::string api_key;      // "Authorization: Bearer KEY" when set
};

class HttpClient {
 public:
  // `base_url` is "http://host:port", optionally with a path prefix ("http://h:8000/v1" keeps
  // "/v1"). Throws relaygen::Error on anything else (https is not supported).
  HttpClient(const std::string& base_url, const HttpOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const std::string& url() const { return url_; }

  // The parsed JSON body of a 200 answer. Throws relaygen::Error naming the server for a failed
  // connection (after the retries), a timeout, another status (with the server's message), or a
  // body that is not JSON.
  nlohmann::json Get(const std::string& path);
  nlohmann::json Post(const std::string& path, const nlohmann::json& body);

  // POSTs `body` and calls `on_event` with the JSON of each server-sent event ("data: {...}") until
  // the stream ends ("data: [DONE]" or the server closing it). `on_event` returns false to stop
  // reading: the connection is then closed, which tells the server to stop generating. An event
  // carrying "error" throws. Throws relaygen::Error when the server fails mid-stream, saying how
  // many events had arrived.
  void PostStream(const std::string& path, const nlohmann::json& body,
                  const std::function<bool(const nlohmann::json&)>& on_event);

 private:
  // GET (no body) or POST `body`, with the retries of HttpOptions.
  nlohmann::json Call(const char* method, const std::string& path, const nlohmann::json* body);

  std::string url_;     // as given, for messages
  std::string prefix_;  // path prefix from the URL ("" or "/v1")
  HttpOptions options_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_HTTP_CLIENT_H_
