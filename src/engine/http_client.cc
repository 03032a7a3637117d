#include "engine/http_client.h"

#include <httplib.h>

#include <chrono>
#include <regex>
#include <thread>

#include "util/error.h"

namespace relaygen {
namespace {

using Json = nlohmann::json;

std::chrono::microseconds Micros(double seconds) {
  return std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

// The server's own words for a failed request: OpenAI-style {"error": {"message"}}, llama.cpp's
// {"error": {"message", "code"}}, or the raw body cut short.
std::string ServerMessage(const std::string& body) {
  try {
    const Json j = Json::parse(body);
    if (j.contains("error")) {
      const Json& e = j["error"];
      if (e.is_object() && e.contains("message")) return e["message"].get<std::string>();
      if (e.is_string()) return e.get<std::string>();
    }
    if (j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  } catch (const std::exception&) {
  }
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

// A failure worth another attempt: the server was not reached or not ready, and did no work.
bool Retryable(httplib::Error error, int status) {
  return error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout ||
         (error == httplib::Error::Success && status == 503);
}

}  // namespace

HttpClient::HttpClient(const std::string& base_url, const HttpOptions& options) : url_(base_url), options_(options) {
  static const std::regex re(R"(^http://([^/:]+)(?::(\d+))?(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(base_url, m, re)) {
    throw Error("server URL '" + base_url + "' is not of the form http://host:port[/prefix]");
  }
  const int port = m[2].matched ? std::stoi(m[2].str()) : 80;
  prefix_ = m[3].matched ? m[3].str() : "";
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  client_ = std::make_unique<httplib::Client>(m[1].str(), port);
  client_->set_connection_timeout(Micros(options.connect_timeout_s));
  client_->set_read_timeout(Micros(options.read_timeout_s));
  client_->set_write_timeout(Micros(options.read_timeout_s));
  client_->set_keep_alive(true);
  // Requests are small and latency-bound: without this, Nagle's algorithm holds a request's body
  // until the server's delayed ACK of its headers, 40 ms per request.
  client_->set_tcp_nodelay(true);
  if (!options.api_key.empty()) client_->set_bearer_token_auth(options.api_key);
}

HttpClient::~HttpClient() = default;

Json HttpClient::Get(const std::string& path) { return Call("GET", path, nullptr); }

Json HttpClient::Post(const std::string& path, const Json& body) { return Call("POST", path, &body); }

Json HttpClient::Call(const char* method, const std::string& path, const Json* body) {
  const std::string text = body != nullptr ? body->dump() : "";
  const std::string what = std::string(method) + " " + path;
  for (int attempt = 0;; ++attempt) {
    httplib::Result r = body != nullptr ? client_->Post(prefix_ + path, text, "application/json")
                                        : client_->Get(prefix_ + path);
    const int status = r ? r->status : 0;
    if ((!r || status == 503) && attempt < options_.retries && Retryable(r.error(), status)) {
      std::this_thread::sleep_for(Micros(options_.backoff_s * (1 << attempt)));
      continue;
    }
    if (!r) throw Error("server " + url_ + ": " + what + " failed: " + httplib::to_string(r.error()));
    if (status != 200) {
      throw Error("server " + url_ + ": " + what + " answered " + std::to_string(status) + ": " + ServerMessage(r->body));
    }
    try {
      return Json::parse(r->body);
    } catch (const std::exception&) {
      throw Error("server " + url_ + ": " + what + " did not answer JSON: " + ServerMessage(r->body));
    }
  }
}

void HttpClient::PostStream(const std::string& path, const Json& body,
                            const std::function<bool(const Json&)>& on_event) {
  const std::string text = body.dump();
  for (int attempt = 0;; ++attempt) {
    int status = 0;
    std::string pending;     // bytes of an event not complete yet
    std::string error_body;  // the body of a non-200 answer
    int events = 0;
    bool stopped = false;    // on_event asked to stop
    bool done = false;       // "[DONE]" seen
    std::string bad_event;   // an event that was not JSON, or carried an error
    httplib::Request req;
    req.method = "POST";
    req.path = prefix_ + path;
    req.body = text;
    req.set_header("Content-Type", "application/json");
    req.set_header("Accept", "text/event-stream");
    req.response_handler = [&](const httplib::Response& res) {
      status = res.status;
      return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (status != 200) {
        error_body.append(data, n);
        return error_body.size() < 65536;
      }
      pending.append(data, n);
      // Events end with a blank line; servers write "\n\n" (some proxies "\r\n\r\n").
      for (size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
        std::string event = pending.substr(0, end);
        pending.erase(0, end + 2);
        std::string data_text;
        size_t at = 0;
        while (at <= event.size()) {
          size_t eol = event.find('\n', at);
          if (eol == std::string::npos) eol = event.size();
          std::string line = event.substr(at, eol - at);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          if (line.rfind("data:", 0) == 0) data_text += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
          at = eol + 1;
        }
        if (data_text.empty()) continue;  // a comment or keep-alive ping
        if (data_text == "[DONE]") {
          done = true;
          return false;
        }
        Json j;
        try {
          j = Json::parse(data_text);
        } catch (const std::exception&) {
          bad_event = "an event that is not JSON: " + data_text.substr(0, 200);
          return false;
        }
        if (j.contains("error")) {
          bad_event = ServerMessage(data_text);
          return false;
        }
        ++events;
        // An exception must not unwind through cpp-httplib: keep its message, stop reading, and
        // throw once the connection is closed.
        try {
          if (!on_event(j)) {
            stopped = true;
            return false;
          }
        } catch (const std::exception& e) {
          bad_event = std::string("an event it could not use: ") + e.what();
          return false;
        }
      }
      return true;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    const bool ok = client_->send(req, res, error);
    if (!bad_event.empty()) throw Error("server " + url_ + ": POST " + path + " streamed " + bad_event);
    if (stopped || done) return;
    if (events == 0 && attempt < options_.retries && ((!ok && Retryable(error, status)) || status == 503)) {
      std::this_thread::sleep_for(Micros(options_.backoff_s * (1 << attempt)));
      continue;
    }
    if (status != 0 && status != 200) {
      throw Error("server " + url_ + ": POST " + path + " answered " + std::to_string(status) + ": " + ServerMessage(error_body));
    }
    if (!ok) {
      throw Error("server " + url_ + ": POST " + path + " failed after " + std::to_string(events) +
                  " streamed events (" + httplib::to_string(error) + ")" +
                  (events > 0 ? "; the text generated so far is lost" : ""));
    }
    // The server closed the stream without "[DONE]": llama.cpp's native endpoint ends that way.
    return;
  }
}

}  // namespace relaygen
