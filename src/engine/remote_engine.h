// A model served by a running server (llama-server, vLLM, SGLang), behind the engine interface
// (engine.h), so the relay drives two servers as it drives two embedded models.
//
// The session keeps the token ids of the transcript it has sent and sends the whole transcript as
// token ids every time: the server's prefix cache (llama-server's cache_prompt on a pinned slot,
// vLLM/SGLang automatic prefix caching) then evaluates only the tokens that are new, which the
// server reports (Segment::n_reused / n_prefilled come from its counts). New transcript text is
// tokenized by the server itself (/tokenize), so client and server never disagree on a token.
// Generation streams token by token; stops are matched on the client with the embedded engine's
// SegmentBuilder and the stream is closed when one fires (server_dialect.h says why).
#ifndef RELAYGEN_ENGINE_REMOTE_ENGINE_H_
#define RELAYGEN_ENGINE_REMOTE_ENGINE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/http_client.h"
#include "engine/server_dialect.h"

namespace relaygen {

struct RemoteOptions {
  std::string url;              // http://host:port
  std::string server = "auto";  // llama | vllm | sglang | auto (asks the server)
  std::string model;            // OpenAI "model" (default: the server's first model)
  HttpOptions http;
  // Candidates asked for when a segment starts with token healing (first_token_prefix): the first
  // token is chosen among the server's top ones that begin with the healed bytes (see
  // RemoteSession::HealFirstToken).
  int heal_candidates = 20;
  // Send the transcript as text and let the server tokenize it, as the paper's reference client
  // does, instead of as token ids (for comparison: bench --resend-text).
  bool resend_text = false;
};

class RemoteModel : public Model {
 public:
  // Asks the server what it is and serves; throws relaygen::Error naming the URL when it cannot
  // be reached, is of no known kind, or is not the kind `options.server` says.
  static std::unique_ptr<RemoteModel> Connect(const RemoteOptions& options);

  const std::string& name() const override { return name_; }
  std::string RenderChat(const std::vector<ChatMessage>& messages) const override;
  std::unique_ptr<Session> NewSession() override;

  ServerKind kind() const { return kind_; }
  const std::string& url() const { return options_.url; }
  const RemoteOptions& options() const { return options_; }
  int n_ctx() const { return n_ctx_; }  // 0 when the server does not say
  // Token ids of `text` as the server tokenizes it (special tokens parsed).
  std::vector<Token> Tokenize(const std::string& text, bool add_special) const;

 private:
  RemoteModel(const RemoteOptions& options, ServerKind kind, std::unique_ptr<HttpClient> http);

  RemoteOptions options_;
  ServerKind kind_;
  std::string name_;
  int n_ctx_ = 0;
  int n_slots_ = 1;
  std::atomic<int> next_slot_{0};
  std::unique_ptr<HttpClient> http_;  // model-level calls (templates, tokenizing); not thread-safe
};

// Refuses a pair whose servers tokenize differently (a relay's transcript must mean the same tokens
// to both); throws relaygen::Error naming both servers and the first difference.
void CheckSameTokenizer(const RemoteModel& large, const RemoteModel& small);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_REMOTE_ENGINE_H_
