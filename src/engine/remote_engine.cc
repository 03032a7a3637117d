#include "engine/remote_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "engine/segment_builder.h"
#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Tokens of `text` as `kind`'s server tokenizes it, and each token's bytes when the server says
// (llama-server's with_pieces; vLLM's token strings are not bytes, so `pieces` stays empty).
std::vector<Token> TokenizeOn(HttpClient& http, ServerKind kind, const std::string& model, const std::string& text,
                              bool add_special, std::vector<std::string>* pieces) {
  if (FirstInvalidUtf8(text) != text.size()) {
    throw Error("server " + http.url() + ": cannot send text that is not valid UTF-8 to a remote engine");
  }
  std::vector<Token> tokens;
  if (pieces != nullptr) pieces->clear();
  if (kind == ServerKind::kLlama) {
    const Json r = http.Post("/tokenize", {{"content", text}, {"add_special", add_special}, {"parse_special", true},
                                           {"with_pieces", pieces != nullptr}});
    for (const Json& t : r.at("tokens")) {
      if (t.is_number()) {
        tokens.push_back(t.get<Token>());
        continue;
      }
      tokens.push_back(t.at("id").get<Token>());
      if (pieces == nullptr) continue;
      const Json& p = t.at("piece");
      std::string piece;
      if (p.is_string()) {
        piece = p.get<std::string>();
      } else {
        for (const Json& b : p) piece.push_back(static_cast<char>(b.get<int>()));
      }
      pieces->push_back(std::move(piece));
    }
    return tokens;
  }
  Json body = {{"prompt", text}, {"add_special_tokens", add_special}};
  if (!model.empty()) body["model"] = model;
  const Json r = http.Post("/tokenize", body);
  for (const Json& t : r.at("tokens")) tokens.push_back(t.get<Token>());
  return tokens;
}

// A draw from `candidates` restricted as the embedded sampler would (top-k, top-p, temperature),
// or the best one at temperature 0. `candidates` are best first and not empty.
size_t Draw(const std::vector<Candidate>& candidates, const Sampling& s, uint64_t seed) {
  if (s.temperature <= 0) return 0;
  size_t n = candidates.size();
  if (s.top_k > 0) n = std::min(n, static_cast<size_t>(s.top_k));
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += candidates[i].p;
  if (s.top_p < 1.0f && total > 0) {
    double mass = 0;
    for (size_t i = 0; i < n; ++i) {
      mass += candidates[i].p / total;
      if (mass >= s.top_p) {
        n = i + 1;
        break;
      }
    }
  }
  std::vector<double> weights;
  for (size_t i = 0; i < n; ++i) {
    weights.push_back(std::pow(std::max(1e-30, static_cast<double>(candidates[i].p)), 1.0 / s.temperature));
  }
  std::mt19937_64 rng(seed);
  return std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng);
}

class RemoteSession : public Session {
 public:
  RemoteSession(const RemoteModel* model, int slot)
      : model_(model), slot_(slot), http_(model->url(), model->options().http) {}

  Segment Generate(const std::string& transcript, const SegmentRequest& request, const TextCallback& on_text) override;
  PrefillResult Prefill(const std::string& text) override;
  ScoreResult Score(const std::string& context, const std::string& continuation) override;
  int CountTokens(const std::string& text) const override;

 private:
  struct SyncStats {
    int kept = 0;   // tokens of the previous request that still spell the start of the text
    int fresh = 0;  // tokens tokenized anew
  };
  // Makes tokens_ spell `text`: keeps the cached tokens wholly inside the common prefix and has
  // the server tokenize the rest.
  SyncStats Sync(const std::string& text);
  void Append(Token token, const std::string& piece);
  // Tokens whose bytes the server did not give (or a tokenizer that rewrites text, e.g. a BOS it
  // adds), which together bring the view to `text`: one unit, kept or dropped as a whole later.
  void AppendRun(const std::vector<Token>& run, const std::string& text);
  CompletionRequest Request(const Sampling& sampling, int max_tokens, int n_top) const;
  // Token healing on a server: one token among the top candidates that begin with `prefix`, drawn
  // as the embedded engine would draw it; false when no candidate does (then the caller puts the
  // prefix back as text).
  bool HealFirstToken(const SegmentRequest& request, Candidate* chosen, float* margin);
  int Budget(int max_tokens) const;
  // A token whose text is one ASCII letter: Score pins llama-server's draw to it.
  Token AnchorToken();

  const RemoteModel* model_;
  const int slot_;
  mutable HttpClient http_;  // this session's connection; sessions run on their own threads
  // What the server's slot holds as far as this session knows: tokens_[i] ends at byte
  // offsets_[i] of text_ (a token whose bytes are unknown carries the end of the run it belongs to).
  std::vector<Token> tokens_;
  std::vector<size_t> offsets_;
  std::string text_;
  Token anchor_ = -1;  // AnchorToken's, once asked
};

// Large enough that no logit difference outweighs it, small enough for any JSON float parser.
constexpr double kPinBias = 1e9;

Token RemoteSession::AnchorToken() {
  if (anchor_ >= 0) return anchor_;
  const std::vector<Token> t = TokenizeOn(http_, model_->kind(), model_->options().model, "a", false, nullptr);
  if (t.size() != 1) throw Error("server " + http_.url() + ": the text \"a\" is not one token of its vocabulary");
  return anchor_ = t[0];
}

void RemoteSession::AppendRun(const std::vector<Token>& run, const std::string& text) {
  for (Token t : run) {
    tokens_.push_back(t);
    offsets_.push_back(text.size());
  }
  text_ = text;
}

void RemoteSession::Append(Token token, const std::string& piece) {
  tokens_.push_back(token);
  text_ += piece;
  offsets_.push_back(text_.size());
}

RemoteSession::SyncStats RemoteSession::Sync(const std::string& text) {
  size_t common = 0;
  const size_t limit = std::min(text.size(), text_.size());
  while (common < limit && text[common] == text_[common]) ++common;
  size_t keep = 0;
  while (keep < offsets_.size() && offsets_[keep] <= common) ++keep;
  tokens_.resize(keep);
  offsets_.resize(keep);
  text_.resize(keep == 0 ? 0 : offsets_.back());
  const std::string rest = text.substr(text_.size());
  if (rest.empty()) return {static_cast<int>(keep), 0};
  std::vector<std::string> pieces;
  const bool with_pieces = model_->kind() == ServerKind::kLlama;
  const std::vector<Token> fresh =
      TokenizeOn(http_, model_->kind(), model_->options().model, rest, keep == 0, with_pieces ? &pieces : nullptr);
  std::string spelled;
  for (const std::string& p : pieces) spelled += p;
  if (with_pieces && spelled == rest) {
    for (size_t i = 0; i < fresh.size(); ++i) Append(fresh[i], pieces[i]);
  } else {
    AppendRun(fresh, text);
  }
  return {static_cast<int>(keep), static_cast<int>(fresh.size())};
}

CompletionRequest RemoteSession::Request(const Sampling& sampling, int max_tokens, int n_top) const {
  CompletionRequest r;
  r.prompt = tokens_;
  if (model_->options().resend_text) r.prompt_text = text_;
  r.sampling = sampling;
  // Each segment draws from its own stream, derived from the seed and the position, as embedded.
  r.sampling.seed = sampling.seed * 0x9E3779B97F4A7C15ull + tokens_.size();
  r.max_tokens = max_tokens;
  r.n_top = n_top;
  r.slot = slot_;
  r.model = model_->options().model;
  return r;
}

int RemoteSession::Budget(int max_tokens) const {
  if (model_->n_ctx() <= 0) return max_tokens;
  return std::min(max_tokens, model_->n_ctx() - 1 - static_cast<int>(tokens_.size()));
}

bool RemoteSession::HealFirstToken(const SegmentRequest& request, Candidate* chosen, float* margin) {
  const int n_top = std::max(2, model_->options().heal_candidates);
  CompletionRequest r = Request(request.sampling, 1, n_top);
  r.sampling.temperature = 0;  // the candidates are what matters, not the server's own draw
  const WireCall call = WriteCompletion(model_->kind(), r);
  std::vector<Candidate> top;
  http_.PostStream(call.path, call.body, [&](const Json& j) {
    const StreamEvent e = ReadStreamEvent(model_->kind(), j);
    if (!e.tokens.empty()) top = e.tokens[0].top;
    return !e.finished && top.empty();
  });
  *margin = MarginOf(top);
  std::vector<Candidate> allowed;
  for (const Candidate& c : top) {
    if (c.piece.compare(0, request.first_token_prefix.size(), request.first_token_prefix) == 0) allowed.push_back(c);
  }
  if (allowed.empty()) return false;
  *chosen = allowed[Draw(allowed, request.sampling, r.sampling.seed)];
  return true;
}

Segment RemoteSession::Generate(const std::string& transcript, const SegmentRequest& request,
                                const TextCallback& on_text) {
  SegmentBuilder builder(request, transcript, on_text);
  const auto start = Clock::now();
  const bool fresh_session = tokens_.empty();
  const SyncStats sync = Sync(transcript);
  if (tokens_.empty()) throw Error("cannot generate from an empty prompt");
  if (model_->n_ctx() > 0 && static_cast<int>(tokens_.size()) + 1 >= model_->n_ctx()) {
    if (fresh_session) {
      throw ContextOverflow("the prompt has " + std::to_string(tokens_.size()) + " tokens, more than the context of " +
                            std::to_string(model_->n_ctx()) + " allows");
    }
    builder.ContextFull();  // text the models wrote filled the window: a normal end
    Segment seg = builder.Finish();
    seg.prefill_ms = MsSince(start);
    return seg;
  }
  double prefill_ms = -1;
  bool complete = false;  // the builder needs no more tokens
  int written = 0;        // tokens of the segment before the stream
  if (!request.first_token_prefix.empty()) {
    Candidate first;
    float margin = 0;
    if (model_->kind() == ServerKind::kLlama && HealFirstToken(request, &first, &margin)) {
      complete = !builder.Add(first.token, first.piece, margin);
      if (!complete) Append(first.token, first.piece);
    } else {
      // No bytes per candidate (vLLM, SGLang) or no candidate that fits: the healed bytes go back
      // into the prompt as text, and count as the segment's first token.
      Sync(transcript + request.first_token_prefix);
      complete = !builder.Add(tokens_.back(), request.first_token_prefix, 1.0f);
    }
    prefill_ms = MsSince(start);
    written = 1;
  }
  int n_reused = -1, n_prompt = -1;
  const int budget = Budget(request.max_tokens - written);
  if (!complete && budget <= 0) {
    builder.ContextFull();
  } else if (!complete) {
    CompletionRequest r = Request(request.sampling, budget, request.want_margins ? 2 : 0);
    WireCall call = WriteCompletion(model_->kind(), r);
    if (model_->kind() == ServerKind::kLlama) call.body["timings_per_token"] = true;
    bool eog = false, finished = false, view_exact = true;
    bool pending_valid = false;  // a token waits for the next event (it may be end of generation)
    StreamEvent::Item pending;
    int predicted = 0;
    auto feed = [&](const StreamEvent::Item& item) {
      if (item.merged > 0) view_exact = false;  // held-back tokens whose ids the stream never gave
      complete = !builder.Add(item.token, item.piece, MarginOf(item.top));
      if (!complete && view_exact) Append(item.token, item.piece);
    };
    http_.PostStream(call.path, call.body, [&](const Json& j) {
      StreamEvent e = ReadStreamEvent(model_->kind(), j);
      if (e.prompt_tokens >= 0 && n_prompt < 0) n_prompt = e.prompt_tokens;
      if (e.cached_tokens >= 0 && n_reused < 0) n_reused = e.cached_tokens;
      for (StreamEvent::Item& item : e.tokens) {
        if (prefill_ms < 0) prefill_ms = MsSince(start);
        if (e.predicted >= 0 && model_->kind() == ServerKind::kLlama) {
          item.merged = std::max(0, e.predicted - predicted - 1);
          predicted = e.predicted;
        }
        // llama-server streams the end-of-generation token like any other and says so only in
        // the final event: each token waits until the next event shows it was not that one.
        if (pending_valid) {
          pending_valid = false;
          feed(pending);
        }
        if (complete) return false;
        pending = std::move(item);
        pending_valid = true;
      }
      if (e.finished) {
        finished = true;
        eog = e.end_of_generation;
        return false;
      }
      return true;
    });
    const bool pending_is_eog = finished && eog && model_->kind() == ServerKind::kLlama;
    if (!complete && pending_valid && !pending_is_eog) feed(pending);
    if (!complete) {
      if (finished && eog) {
        builder.EndOfGeneration();
      } else if (model_->n_ctx() > 0 && static_cast<int>(tokens_.size()) + 1 >= model_->n_ctx()) {
        builder.ContextFull();
      }
    }
  }
  Segment seg = builder.Finish();
  // The server's own counts say what its cache reused; without them, what this session kept.
  seg.n_reused = n_reused >= 0 ? n_reused : sync.kept;
  seg.n_prefilled = n_prompt >= 0 ? std::max(0, n_prompt - seg.n_reused) : sync.fresh;
  seg.prefill_ms = prefill_ms < 0 ? MsSince(start) : prefill_ms;
  seg.decode_ms = MsSince(start) - seg.prefill_ms;
  // The view keeps only tokens wholly inside the text: a token cut by a stop is not part of it.
  const size_t keep_bytes = transcript.size() + seg.text.size();
  while (!offsets_.empty() && offsets_.back() > keep_bytes) {
    tokens_.pop_back();
    offsets_.pop_back();
  }
  text_.resize(offsets_.empty() ? 0 : offsets_.back());
  return seg;
}

PrefillResult RemoteSession::Prefill(const std::string& text) {
  if (text.size() <= text_.size() && text_.compare(0, text.size(), text) == 0) return {};
  const auto start = Clock::now();
  const SyncStats sync = Sync(text);
  if (sync.fresh == 0) return {};
  PrefillResult result;
  CompletionRequest r = Request(Sampling{}, model_->kind() == ServerKind::kLlama ? 0 : 1, 0);
  WireCall call = WriteCompletion(model_->kind(), r);
  int n_prompt = -1, n_cached = -1;
  if (model_->kind() == ServerKind::kLlama) {
    call.body["stream"] = false;
    const Json j = http_.Post(call.path, call.body);
    const StreamEvent e = ReadStreamEvent(model_->kind(), j);
    n_prompt = e.prompt_tokens;
    n_cached = e.cached_tokens;
  } else {
    http_.PostStream(call.path, call.body, [&](const Json& j) {
      const StreamEvent e = ReadStreamEvent(model_->kind(), j);
      if (e.prompt_tokens >= 0) n_prompt = e.prompt_tokens;
      if (e.cached_tokens >= 0) n_cached = e.cached_tokens;
      return true;
    });
  }
  result.n_prefilled = n_prompt >= 0 && n_cached >= 0 ? n_prompt - n_cached : sync.fresh;
  result.ms = MsSince(start);
  return result;
}

ScoreResult RemoteSession::Score(const std::string& context, const std::string& continuation) {
  ScoreResult result;
  const auto start = Clock::now();
  const SyncStats sync = Sync(context);
  result.n_reused = sync.kept;
  result.n_prefilled = sync.fresh;
  std::vector<std::string> pieces;
  const bool with_pieces = model_->kind() == ServerKind::kLlama;
  const std::vector<Token> cont =
      TokenizeOn(http_, model_->kind(), model_->options().model, continuation, false, with_pieces ? &pieces : nullptr);
  if (model_->kind() == ServerKind::kLlama) {
    // llama-server reports no probabilities for prompt tokens: one request per continuation token,
    // each evaluating one new token thanks to the slot's cache.
    //
    // It also never reports them for a drawn token that ends inside a UTF-8 character: its
    // process_token keeps such a token back, and the token that completes the character carries
    // its own position's probabilities, not this one's. Qwen's byte-level vocabulary draws byte
    // tokens of CJK characters and emoji often. So the draw is pinned to an ASCII token by a logit
    // bias: the probabilities the server reports are the softmax of the raw logits
    // (post_sampling_probs false), which no sampler, the bias included, touches.
    const Token anchor = AnchorToken();
    for (size_t i = 0; i < cont.size(); ++i) {
      TokenScore score;
      score.token = cont[i];
      score.piece = pieces[i];
      CompletionRequest r = Request(Sampling{}, 1, 2);
      WireCall call = WriteCompletion(model_->kind(), r);
      call.body["stream"] = false;
      call.body["response_fields"].push_back("completion_probabilities");
      call.body["logit_bias"] = Json::array({Json::array({anchor, kPinBias})});
      const Json probs = http_.Post(call.path, call.body).value("completion_probabilities", Json::array());
      if (probs.empty()) {
        throw Error("server " + http_.url() + " returned no probabilities (n_probs) for continuation token " +
                    std::to_string(i) + "; score with the embedded model (--small) instead");
      }
      std::vector<Candidate> top;
      for (const Json& c : probs[0].value("top_logprobs", Json::array())) {
        top.push_back({c.at("id").get<Token>(), "", static_cast<float>(std::exp(c.at("logprob").get<double>()))});
        if (top.back().token == score.token) score.p_token = top.back().p;
      }
      score.margin = MarginOf(top);
      result.tokens.push_back(std::move(score));
      Append(cont[i], pieces[i]);
    }
  } else {
    // vLLM: prompt_logprobs scores every prompt token in one request.
    std::vector<Token> all = tokens_;
    all.insert(all.end(), cont.begin(), cont.end());
    Json body = {{"prompt", all}, {"max_tokens", 1}, {"temperature", 0.0}, {"prompt_logprobs", 2}};
    if (!model_->options().model.empty()) body["model"] = model_->options().model;
    const Json j = http_.Post("/v1/completions", body);
    const Json& lps = j.at("choices").at(0).at("prompt_logprobs");
    for (size_t i = 0; i < cont.size(); ++i) {
      const Json& at = lps.at(tokens_.size() + i);
      TokenScore score;
      score.token = cont[i];
      std::vector<Candidate> top;
      for (const auto& [key, value] : at.items()) {
        const Token id = static_cast<Token>(std::stol(key));
        const float p = static_cast<float>(std::exp(value.at("logprob").get<double>()));
        if (id == score.token) score.p_token = p;
        if (value.value("rank", 99) <= 2) top.push_back({id, "", p});
      }
      std::sort(top.begin(), top.end(), [](const Candidate& a, const Candidate& b) { return a.p > b.p; });
      score.margin = MarginOf(top);
      result.tokens.push_back(std::move(score));
    }
    AppendRun(cont, context + continuation);
  }
  result.ms = MsSince(start);
  return result;
}

int RemoteSession::CountTokens(const std::string& text) const {
  return static_cast<int>(TokenizeOn(http_, model_->kind(), model_->options().model, text, false, nullptr).size());
}

// "llama" when GET /props looks like llama-server's; else "sglang" when /get_model_info answers;
// else "vllm" when /v1/models lists a model owned by vllm.
ServerKind DetectKind(HttpClient& http) {
  try {
    const Json props = http.Get("/props");
    if (props.contains("default_generation_settings") || props.contains("total_slots")) return ServerKind::kLlama;
  } catch (const Error&) {
  }
  try {
    const Json info = http.Get("/get_model_info");
    if (info.contains("model_path")) return ServerKind::kSglang;
  } catch (const Error&) {
  }
  const Json models = http.Get("/v1/models");
  for (const Json& m : models.value("data", Json::array())) {
    if (m.value("owned_by", std::string()) == "vllm") return ServerKind::kVllm;
  }
  throw Error("server " + http.url() + " is neither llama-server, vLLM nor SGLang as far as it says; pass --server");
}

}  // namespace

RemoteModel::RemoteModel(const RemoteOptions& options, ServerKind kind, std::unique_ptr<HttpClient> http)
    : options_(options), kind_(kind), http_(std::move(http)) {}

std::unique_ptr<RemoteModel> RemoteModel::Connect(const RemoteOptions& options) {
  auto http = std::make_unique<HttpClient>(options.url, options.http);
  const ServerKind kind = options.server == "auto" ? DetectKind(*http) : ParseServerKind(options.server);
  std::unique_ptr<RemoteModel> m(new RemoteModel(options, kind, std::move(http)));
  if (kind == ServerKind::kLlama) {
    const Json props = m->http_->Get("/props");
    const Json settings = props.value("default_generation_settings", Json::object());
    m->n_ctx_ = settings.value("n_ctx", props.value("n_ctx", 0));
    m->n_slots_ = std::max(1, props.value("total_slots", 1));
    std::string path = props.value("model_path", std::string());
    m->name_ = path.empty() ? options.url : path.substr(path.find_last_of('/') + 1);
  } else {
    const Json models = m->http_->Get("/v1/models");
    const Json data = models.value("data", Json::array());
    if (data.empty()) throw Error("server " + options.url + " lists no model");
    if (m->options_.model.empty()) m->options_.model = data[0].at("id").get<std::string>();
    for (const Json& d : data) {
      if (d.value("id", std::string()) == m->options_.model) m->n_ctx_ = d.value("max_model_len", 0);
    }
    m->name_ = m->options_.model;
  }
  return m;
}

std::string RemoteModel::RenderChat(const std::vector<ChatMessage>& messages) const {
  Json msgs = Json::array();
  for (const ChatMessage& m : messages) msgs.push_back({{"role", m.role}, {"content", m.content}});
  const Json kwargs = {{"enable_thinking", true}};
  if (kind_ == ServerKind::kLlama) {
    return http_->Post("/apply-template", {{"messages", msgs}, {"chat_template_kwargs", kwargs}}).at("prompt").get<std::string>();
  }
  Json body = {{"messages", msgs}, {"add_generation_prompt", true}, {"chat_template_kwargs", kwargs},
               {"add_special_tokens", false}};
  if (!options_.model.empty()) body["model"] = options_.model;
  const Json tokens = http_->Post("/tokenize", body).at("tokens");
  Json detok = {{"tokens", tokens}};
  if (!options_.model.empty()) detok["model"] = options_.model;
  return http_->Post("/detokenize", detok).at("prompt").get<std::string>();
}

std::unique_ptr<Session> RemoteModel::NewSession() {
  // Sessions take the server's slots in turn, so concurrent sessions do not evict each other.
  return std::make_unique<RemoteSession>(this, next_slot_.fetch_add(1) % n_slots_);
}

std::vector<Token> RemoteModel::Tokenize(const std::string& text, bool add_special) const {
  return TokenizeOn(*http_, kind_, options_.model, text, add_special, nullptr);
}

void CheckSameTokenizer(const RemoteModel& large, const RemoteModel& small) {
  // Text that exercises what a relay's transcript holds: the chat and reasoning markers, digits,
  // spaces and punctuation, and non-ASCII text.
  const std::string probe = "<|im_start|>user\nWhat is 1234 + 5678?<|im_end|>\n<|im_start|>assistant\n<think>\n"
                            "Okay, so 1234 + 5678 = 6912. Therefore, the answer is 6912.\n</think>\n\n"
                            "The answer is \\boxed{6912}. Déjà vu, naïve café: π ≈ 3.14159 — done.";
  const std::vector<Token> a = large.Tokenize(probe, false), b = small.Tokenize(probe, false);
  if (a == b) return;
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  throw Error("the two servers tokenize differently (" + large.url() + " and " + small.url() + " disagree from token " +
              std::to_string(i) + " of a probe text: " + (i < a.size() ? std::to_string(a[i]) : "end") + " vs " +
              (i < b.size() ? std::to_string(b[i]) : "end") + "); a relay needs one vocabulary");
}

}  // namespace relaygen
