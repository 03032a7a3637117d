#include "engine/llama_session.h"

#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "engine/batched_context.h"
#include "engine/llama_engine.h"
#include "engine/logits_ops.h"
#include "engine/segment_builder.h"
#include "util/error.h"
#include "util/utf8.h"

namespace relaygen {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Marks a session of a shared context as generating while a Generate runs: the leader of a
// batched decode waits a moment for the next token of every generating session.
class GeneratingScope {
 public:
  explicit GeneratingScope(BatchedContext* shared) : shared_(shared) {
    if (shared_ != nullptr) shared_->BeginGenerating();
  }
  ~GeneratingScope() {
    if (shared_ != nullptr) shared_->EndGenerating();
  }
  GeneratingScope(const GeneratingScope&) = delete;
  GeneratingScope& operator=(const GeneratingScope&) = delete;

 private:
  BatchedContext* shared_;
};

// Runs fn(i) for every i in [0, n) on up to `threads` threads, this one included.
template <typename Fn>
void ParallelFor(size_t n, int threads, const Fn& fn) {
  const size_t workers = std::max<size_t>(1, std::min(n, static_cast<size_t>(std::max(threads, 1))));
  std::vector<std::thread> helpers;
  for (size_t w = 1; w < workers; ++w) {
    helpers.emplace_back([&fn, n, workers, w] {
      for (size_t i = w; i < n; i += workers) fn(i);
    });
  }
  for (size_t i = 0; i < n; i += workers) fn(i);
  for (std::thread& t : helpers) t.join();
}

}  // namespace

float TopTwoMargin(const float* logits, int n_vocab, Token token, float* p_token) {
  float first = -std::numeric_limits<float>::infinity(), second = first;
  for (int i = 0; i < n_vocab; ++i) {
    if (logits[i] > first) {
      second = first;
      first = logits[i];
    } else if (logits[i] > second) {
      second = logits[i];
    }
  }
  // Terms more than kFar below the maximum add under 1e-13 each (under 2e-8 over a 152k
  // vocabulary): skipping them keeps expf off its slow underflow path and skips most of the work
  // on a real model's peaked distribution. float exp, double sum: this runs over every vocabulary
  // entry of every scored token (docs/real-models.md).
  constexpr float kFar = -30.0f;
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) {
    const float d = logits[i] - first;
    if (d > kFar) sum += static_cast<double>(std::exp(d));
  }
  const double p1 = 1.0 / sum;
  const double p2 = n_vocab > 1 && second - first > kFar ? std::exp(static_cast<double>(second - first)) / sum : 0.0;
  if (p_token != nullptr && token >= 0) {
    *p_token = static_cast<float>(std::exp(static_cast<double>(logits[token] - first)) / sum);
  }
  return static_cast<float>(p1 - p2);
}

LlamaSession::LlamaSession(LlamaModel* model)
    : model_(model),
      vocab_(llama_model_get_vocab(model->raw())),
      shared_(model->batched_context()),
      batch_(shared_ != nullptr ? 1 : model->options().n_batch) {
  if (shared_ == nullptr) {
    ctx_.reset(NewLlamaContext(*model, 1));
    return;
  }
  seq_ = shared_->AcquireSeq();
  if (seq_ < 0) {
    throw Error("all " + std::to_string(model->options().n_parallel) + " sequences of '" + model->name() +
                "' are in use");
  }
}

LlamaSession::~LlamaSession() {
  if (shared_ != nullptr) shared_->ReleaseSeq(seq_);
}

int LlamaSession::n_ctx() const {
  return shared_ != nullptr ? shared_->n_ctx_per_seq() : static_cast<int>(llama_n_ctx(ctx_.get()));
}

int LlamaSession::n_batch() const { return shared_ != nullptr ? shared_->n_batch() : batch_.capacity(); }

std::vector<Token> LlamaSession::TokenizeValid(const std::string& text, bool add_special) const {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() / 2)) {
    throw Error("text too long to tokenize (" + std::to_string(text.size()) + " bytes)");
  }
  std::vector<Token> tokens(text.size() + 8);
  int n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                         static_cast<int32_t>(tokens.size()), add_special, /*parse_special=*/true);
  if (n < 0) {
    tokens.resize(-n);
    n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, true);
  }
  if (n < 0) throw Error("tokenization failed");
  tokens.resize(n);
  return tokens;
}

std::vector<Token> LlamaSession::Tokenize(const std::string& text, bool add_special) const {
  // Models can emit byte tokens that do not form valid UTF-8, and llama.cpp's tokenizer cannot
  // round-trip such bytes. Tokenize the valid runs normally and map each stray byte to the token
  // that is exactly that byte (byte-level BPE and SPM byte fallback have one for every byte).
  std::vector<Token> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t bad = pos + FirstInvalidUtf8(std::string_view(text).substr(pos));
    if (bad > pos) {
      const auto run = TokenizeValid(text.substr(pos, bad - pos), add_special && pos == 0);
      tokens.insert(tokens.end(), run.begin(), run.end());
    }
    if (bad == text.size()) break;
    const Token byte = ByteToken(static_cast<unsigned char>(text[bad]));
    if (byte < 0) return TokenizeValid(text, add_special);  // no byte tokens: best effort
    tokens.push_back(byte);
    pos = bad + 1;
  }
  if (text.empty()) return TokenizeValid(text, add_special);
  return tokens;
}

Token LlamaSession::ByteToken(unsigned char byte) const {
  if (byte_tokens_.empty()) {
    byte_tokens_.assign(256, -1);
    const int n_vocab = llama_vocab_n_tokens(vocab_);
    for (Token t = 0; t < n_vocab; ++t) {
      if (llama_vocab_is_control(vocab_, t)) continue;
      const std::string piece = Piece(t);
      if (piece.size() == 1 && byte_tokens_[static_cast<unsigned char>(piece[0])] < 0) {
        byte_tokens_[static_cast<unsigned char>(piece[0])] = t;
      }
    }
  }
  return byte_tokens_[byte];
}

int LlamaSession::CountTokens(const std::string& text) const {
  return static_cast<int>(Tokenize(text, false).size());
}

std::string LlamaSession::Piece(Token token) const {
  char buf[256];
  int n = llama_token_to_piece(vocab_, token, buf, sizeof(buf), 0, /*special=*/true);
  if (n >= 0) return std::string(buf, n);
  std::string big(-n, '\0');
  n = llama_token_to_piece(vocab_, token, big.data(), static_cast<int32_t>(big.size()), 0, true);
  big.resize(std::max(n, 0));
  return big;
}

bool LlamaSession::TokenizeExact(const std::string& text, bool add_special,
                                 std::vector<Token>* tokens, std::vector<size_t>* lengths) const {
  *tokens = Tokenize(text, add_special);
  lengths->clear();
  std::string spelled;
  for (Token t : *tokens) {
    std::string piece = Piece(t);
    // A BOS the model adds by itself is not part of the text.
    if (add_special && lengths->empty() && t == llama_vocab_bos(vocab_)) piece.clear();
    spelled += piece;
    lengths->push_back(piece.size());
  }
  return spelled == text;
}

void LlamaSession::Truncate(size_t n_keep) {
  if (n_keep == tokens_.size()) return;
  const bool removed = shared_ != nullptr
                           ? shared_->SeqRemove(seq_, static_cast<llama_pos>(n_keep))
                           : llama_memory_seq_rm(llama_get_memory(ctx_.get()), 0, static_cast<llama_pos>(n_keep), -1);
  if (!removed) {
    // Recurrent caches cannot drop a suffix: the bookkeeping would no longer match the cache.
    throw Error("cannot roll back the KV cache of '" + model_->name() + "' to " + std::to_string(n_keep) +
                " tokens (llama_memory_seq_rm refused)");
  }
  tokens_.resize(n_keep);
  offsets_.resize(n_keep);
  text_.resize(n_keep == 0 ? 0 : offsets_.back());
  logits_ready_ = false;
}

void LlamaSession::Decode(const std::vector<Token>& tokens, const std::vector<std::string>& pieces,
                          bool all_logits) {
  const int n = static_cast<int>(tokens.size());
  const int chunk_size = n_batch();
  if (all_logits && n > chunk_size) throw Error("internal: all_logits decode larger than a batch");
  logits_ready_ = false;
  for (int start = 0; start < n; start += chunk_size) {
    const int count = std::min(chunk_size, n - start);
    const llama_pos base = static_cast<llama_pos>(tokens_.size());
    const int rc = shared_ != nullptr ? DecodeShared(tokens, start, count, all_logits)
                                      : DecodeOwn(tokens, start, count, all_logits);
    if (rc != 0) {
      if (shared_ == nullptr) {
        // llama.cpp may have kept part of the failed chunk (it removes only what it knows failed):
        // cut the cache back to the tokens recorded as evaluated, so the next Sync sees the truth.
        llama_memory_seq_rm(llama_get_memory(ctx_.get()), 0, base, -1);
      }
      throw Error("llama_decode failed (code " + std::to_string(rc) + ") for '" + model_->name() + "'");
    }
    for (int i = 0; i < count; ++i) {
      tokens_.push_back(tokens[start + i]);
      text_ += pieces[start + i];
      offsets_.push_back(text_.size());
    }
  }
  logits_ready_ = n > 0;
}

int LlamaSession::DecodeOwn(const std::vector<Token>& tokens, int start, int count, bool all_logits) {
  llama_batch& batch = batch_.get();
  const llama_pos base = static_cast<llama_pos>(tokens_.size());
  const int n = static_cast<int>(tokens.size());
  for (int i = 0; i < count; ++i) {
    batch.token[i] = tokens[start + i];
    batch.pos[i] = base + i;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = all_logits || (start + i == n - 1);
  }
  batch.n_tokens = count;
  return llama_decode(ctx_.get(), batch);
}

int LlamaSession::DecodeShared(const std::vector<Token>& tokens, int start, int count, bool all_logits) {
  const int n = static_cast<int>(tokens.size());
  const std::vector<Token> chunk(tokens.begin() + start, tokens.begin() + start + count);
  std::vector<bool> keep(count);
  for (int i = 0; i < count; ++i) keep[i] = all_logits || (start + i == n - 1);
  return shared_->Decode(seq_, chunk, static_cast<llama_pos>(tokens_.size()), keep, &rows_);
}

LlamaSession::SyncStats LlamaSession::Sync(const std::string& text, std::vector<PrefillToken>* scored,
                                           size_t score_from) {
  // Keep every cached token that lies wholly inside the common text prefix.
  size_t common = 0;
  const size_t limit = std::min(text.size(), text_.size());
  while (common < limit && text[common] == text_[common]) ++common;
  size_t keep = 0;
  while (keep < offsets_.size() && offsets_[keep] <= common) ++keep;

  std::vector<Token> fresh;
  std::vector<size_t> lengths;
  const size_t from = keep == 0 ? 0 : offsets_[keep - 1];
  if (!TokenizeExact(text.substr(from), keep == 0, &fresh, &lengths)) {
    // The tokenizer rewrites text fragments: tokenize the whole text and keep the longest common
    // token prefix instead (what a server with prefix caching does).
    std::vector<Token> all = Tokenize(text, true);
    size_t same = 0;
    while (same < all.size() && same < tokens_.size() && all[same] == tokens_[same]) ++same;
    keep = std::min(keep, same);
    fresh.assign(all.begin() + keep, all.end());
    lengths.clear();
    for (Token t : fresh) lengths.push_back(Piece(t).size());
  }
  const size_t total = keep + fresh.size();
  if (total + 1 > static_cast<size_t>(n_ctx())) {
    throw ContextOverflow("the prompt has " + std::to_string(total) + " tokens, more than the context of " +
                          std::to_string(n_ctx()) + " allows");
  }
  if (fresh.empty() && keep > 0 && !(keep == tokens_.size() && logits_ready_)) {
    // Nothing new, but no fresh logits for the last token: evaluate it again.
    --keep;
    fresh.insert(fresh.begin(), tokens_[keep]);
    lengths.insert(lengths.begin(), offsets_[keep] - (keep == 0 ? 0 : offsets_[keep - 1]));
  }
  if (scored != nullptr && !fresh.empty() && keep > 0 && !(keep == tokens_.size() && logits_ready_)) {
    // The row that predicts the first fresh token is the last kept token's, and it is gone (the
    // cache was cut, or the last decode kept another row): evaluate that token again to get it.
    --keep;
    fresh.insert(fresh.begin(), tokens_[keep]);
    lengths.insert(lengths.begin(), offsets_[keep] - (keep == 0 ? 0 : offsets_[keep - 1]));
  }
  if (fresh.empty() && keep == 0) throw Error("cannot generate from an empty prompt");
  Truncate(keep);
  // The fresh tokens spell the text from the kept tokens' end; each one's bytes come from `text`.
  std::vector<std::string> pieces;
  size_t at = text_.size();
  for (size_t length : lengths) {
    pieces.push_back(text.substr(std::min(at, text.size()), length));
    at += length;
  }
  if (scored != nullptr && !fresh.empty()) {
    // Tokens before `score_from` are read without logits but the last one's, which predicts the
    // first scored token; else the kept cache ends with its row ready (ensured above), unless
    // nothing was kept.
    size_t unscored = 0;
    for (size_t end = text_.size(); unscored < fresh.size() && end < score_from; ++unscored) end += pieces[unscored].size();
    if (unscored > 0) {
      Decode({fresh.begin(), fresh.begin() + unscored}, {pieces.begin(), pieces.begin() + unscored}, false);
    }
    std::vector<float> prev;
    if (!tokens_.empty() && logits_ready_) {
      const float* row = LogitsRow(-1);
      prev.assign(row, row + llama_vocab_n_tokens(vocab_));
    }
    if (unscored < fresh.size()) {
      DecodeScored({fresh.begin() + unscored, fresh.end()}, {pieces.begin() + unscored, pieces.end()},
                   std::move(prev), text_.size(), scored);
    }
  } else if (!fresh.empty()) {
    Decode(fresh, pieces, false);
  }
  return {static_cast<int>(keep), static_cast<int>(fresh.size())};
}

void LlamaSession::DecodeScored(const std::vector<Token>& tokens, const std::vector<std::string>& pieces,
                                std::vector<float> prev, size_t at, std::vector<PrefillToken>* scored) {
  const int n_vocab = llama_vocab_n_tokens(vocab_);
  // Chunks of at most kScoredChunk: all logits of a chunk live at once (n_vocab floats a token,
  // 0.6 MB for a 151k vocabulary), and read-along pieces are a few words anyway.
  constexpr size_t kScoredChunk = 64;
  const size_t n_batch = std::min(static_cast<size_t>(this->n_batch()), kScoredChunk);
  for (size_t start = 0; start < tokens.size(); start += n_batch) {
    const size_t count = std::min(tokens.size() - start, n_batch);
    const std::vector<Token> chunk(tokens.begin() + start, tokens.begin() + start + count);
    const std::vector<std::string> chunk_pieces(pieces.begin() + start, pieces.begin() + start + count);
    Decode(chunk, chunk_pieces, /*all_logits=*/true);
    for (size_t j = 0; j < count; ++j) {
      // Row j-1 of this chunk predicted token j; token 0 was predicted by the row before it.
      const float* row = j > 0 ? LogitsRow(static_cast<int32_t>(j - 1)) : (prev.empty() ? nullptr : prev.data());
      if (row != nullptr) {
        scored->push_back({at, chunk_pieces[j], TopTwoMargin(row, n_vocab, chunk[j], nullptr)});
      }
      at += chunk_pieces[j].size();
    }
    const float* last = LogitsRow(static_cast<int32_t>(count - 1));
    prev.assign(last, last + n_vocab);
  }
}

LlamaSession::SamplerPtr LlamaSession::MakeSampler(const Sampling& s) const {
  SamplerPtr owner(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  llama_sampler* chain = owner.get();
  if (s.temperature <= 0) {
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    return owner;
  }
  if (s.top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(s.top_k));
  if (s.top_p < 1.0f) llama_sampler_chain_add(chain, llama_sampler_init_top_p(s.top_p, 1));
  llama_sampler_chain_add(chain, llama_sampler_init_temp(s.temperature));
  // Each segment draws from its own stream, derived from the seed and the position, so a relay is
  // reproducible while consecutive segments do not replay the same random numbers.
  const uint64_t mixed = s.seed * 0x9E3779B97F4A7C15ull + tokens_.size();
  llama_sampler_chain_add(chain, llama_sampler_init_dist(static_cast<uint32_t>(mixed ^ (mixed >> 32))));
  return owner;
}

float* LlamaSession::LogitsRow(int32_t i) {
  if (shared_ == nullptr) return llama_get_logits_ith(ctx_.get(), i);
  // The rows the last decode kept, in order (what llama_get_logits_ith indexes the same way for
  // the decodes sessions make: all rows, or the last token's only).
  const size_t n_vocab = static_cast<size_t>(llama_vocab_n_tokens(vocab_));
  const size_t n_rows = rows_.size() / n_vocab;
  const size_t row = i < 0 ? n_rows - 1 : static_cast<size_t>(i);
  if (n_rows == 0 || row >= n_rows) throw Error("internal: no logits row " + std::to_string(i));
  return rows_.data() + row * n_vocab;
}

Token LlamaSession::DrawToken(llama_sampler* sampler, const float* logits, const Sampling& sampling) {
  const int n_vocab = llama_vocab_n_tokens(vocab_);
  Token token = 0;
  if (sampling.temperature <= 0) {
    token = ArgmaxFirst(logits, n_vocab);  // the first maximum, as llama.cpp's greedy sampler
  } else {
    // What llama_sampler_sample does with a context's row, on any row. A chain that starts with
    // top-k (MakeSampler) keeps the k best sorted by value: giving it just those, sorted, leaves
    // every later step the same input (with distinct values; llama.cpp orders ties arbitrarily).
    bool sorted = false;
    if (sampling.top_k > 0 && sampling.top_k < n_vocab) {
      TopK(logits, n_vocab, sampling.top_k, &top_k_);
      candidates_.resize(top_k_.size());
      for (size_t j = 0; j < top_k_.size(); ++j) candidates_[j] = {top_k_[j], logits[top_k_[j]], 0.0f};
      sorted = true;
    } else {
      candidates_.resize(n_vocab);
      for (Token t = 0; t < n_vocab; ++t) candidates_[t] = {t, logits[t], 0.0f};
    }
    llama_token_data_array array = {candidates_.data(), candidates_.size(), -1, sorted};
    llama_sampler_apply(sampler, &array);
    if (array.selected < 0 || array.selected >= static_cast<int64_t>(array.size)) {
      throw Error("internal: the sampler selected no token");
    }
    token = array.data[array.selected].id;
  }
  llama_sampler_accept(sampler, token);
  return token;
}

const std::vector<Token>& LlamaSession::EndOfGenerationTokens() {
  if (eog_tokens_.empty()) {
    const int n_vocab = llama_vocab_n_tokens(vocab_);
    for (Token t = 0; t < n_vocab; ++t) {
      if (llama_vocab_is_eog(vocab_, t)) eog_tokens_.push_back(t);
    }
  }
  return eog_tokens_;
}

const std::vector<Token>& LlamaSession::TokensStartingWith(const std::string& prefix) {
  auto it = prefix_tokens_.find(prefix);
  if (it != prefix_tokens_.end()) return it->second;
  std::vector<Token> allowed;
  const int n_vocab = llama_vocab_n_tokens(vocab_);
  for (Token t = 0; t < n_vocab; ++t) {
    if (llama_vocab_is_control(vocab_, t)) continue;
    const std::string piece = Piece(t);
    if (piece.size() >= prefix.size() && piece.compare(0, prefix.size(), prefix) == 0) {
      allowed.push_back(t);
    }
  }
  if (allowed.empty()) throw Error("no token of '" + model_->name() + "' starts with the healed text");
  return prefix_tokens_.emplace(prefix, std::move(allowed)).first->second;
}

Segment LlamaSession::Generate(const std::string& transcript, const SegmentRequest& request,
                               const TextCallback& on_text) {
  SegmentBuilder builder(request, transcript, on_text);
  const GeneratingScope generating(shared_);
  auto start = Clock::now();
  SyncStats sync;
  try {
    sync = Sync(transcript);
  } catch (const ContextOverflow&) {
    // Text written by the models themselves filled the window: a normal end, not an error.
    if (tokens_.empty() && text_.empty()) throw;  // a fresh session given a prompt that never fit
    builder.ContextFull();
    Segment seg = builder.Finish();
    seg.prefill_ms = MsSince(start);
    return seg;
  }
  const double prefill_ms = MsSince(start);

  start = Clock::now();
  const SamplerPtr sampler = MakeSampler(request.sampling);
  const int n_vocab = llama_vocab_n_tokens(vocab_);
  std::vector<Token> one(1);
  std::vector<std::string> piece(1);
  for (int i = 0;; ++i) {
    if (tokens_.size() + 1 >= static_cast<size_t>(n_ctx())) {
      builder.ContextFull();
      break;
    }
    float* logits = LogitsRow(-1);
    const float margin = request.want_margins ? TopTwoMargin(logits, n_vocab, -1, nullptr) : 0.0f;
    if (request.sampling.ignore_eos) {
      for (Token t : EndOfGenerationTokens()) logits[t] = -std::numeric_limits<float>::infinity();
    }
    if (i == 0 && !request.first_token_prefix.empty()) {
      // Token healing: only tokens that begin with the backed-off text may come first.
      std::vector<float> kept(n_vocab, -std::numeric_limits<float>::infinity());
      for (Token t : TokensStartingWith(request.first_token_prefix)) kept[t] = logits[t];
      std::copy(kept.begin(), kept.end(), logits);
    }
    one[0] = DrawToken(sampler.get(), logits, request.sampling);
    if (llama_vocab_is_eog(vocab_, one[0])) {
      builder.EndOfGeneration();
      break;
    }
    piece[0] = Piece(one[0]);
    if (!builder.Add(one[0], piece[0], margin)) break;
    Decode(one, piece, false);
  }
  Segment seg = builder.Finish();
  seg.n_reused = sync.reused;
  seg.n_prefilled = sync.prefilled;
  seg.prefill_ms = prefill_ms;
  seg.decode_ms = MsSince(start);
  return seg;
}

PrefillResult LlamaSession::Prefill(const std::string& text) {
  // Text the cache already covers (a prefix of it included) needs nothing: Sync would cut the
  // cache back to `text` and re-evaluate its last token for logits nobody asked for.
  if (text.size() <= text_.size() && text_.compare(0, text.size(), text) == 0) return {};
  const auto start = Clock::now();
  PrefillResult result;
  result.n_prefilled = Sync(text).prefilled;
  result.ms = MsSince(start);
  return result;
}

ScoredPrefillResult LlamaSession::PrefillScored(const std::string& text, size_t score_from) {
  if (text.size() <= text_.size() && text_.compare(0, text.size(), text) == 0) return {};
  const auto start = Clock::now();
  ScoredPrefillResult result;
  result.n_prefilled = Sync(text, &result.scored, score_from).prefilled;
  result.ms = MsSince(start);
  return result;
}

ScoreResult LlamaSession::Score(const std::string& context, const std::string& continuation) {
  ScoreResult result;
  const auto start = Clock::now();
  const SyncStats sync = Sync(context);
  result.n_reused = sync.reused;
  result.n_prefilled = sync.prefilled;
  std::vector<Token> tokens = Tokenize(continuation, false);
  if (tokens_.size() + tokens.size() > static_cast<size_t>(n_ctx())) {
    throw ContextOverflow("context + continuation (" + std::to_string(tokens_.size() + tokens.size()) +
                          " tokens) exceed the context of " + std::to_string(n_ctx()));
  }
  const int n_vocab = llama_vocab_n_tokens(vocab_);
  // Logits that predict tokens[0] are those of the context's last token.
  const float* context_logits = LogitsRow(-1);
  std::vector<float> prev(context_logits, context_logits + n_vocab);
  const int n_batch = this->n_batch();
  for (size_t start_i = 0; start_i < tokens.size(); start_i += n_batch) {
    const size_t count = std::min(tokens.size() - start_i, static_cast<size_t>(n_batch));
    const std::vector<Token> chunk(tokens.begin() + start_i, tokens.begin() + start_i + count);
    std::vector<std::string> pieces;
    for (Token t : chunk) pieces.push_back(Piece(t));
    Decode(chunk, pieces, /*all_logits=*/true);
    // Row j-1 of this batch predicted token j; token 0 was predicted by the previous batch.
    std::vector<const float*> rows(count, prev.data());
    for (size_t j = 1; j < count; ++j) rows[j] = LogitsRow(static_cast<int32_t>(j - 1));
    // The margins on the batch threads, idle between decodes: with a 151k vocabulary a row's
    // margin is about 1 ms, 5-10 % of a scored token's time when computed on one thread.
    std::vector<TokenScore> scores(count);
    ParallelFor(count, model_->options().n_threads_batch, [&](size_t j) {
      scores[j].token = chunk[j];
      scores[j].margin = TopTwoMargin(rows[j], n_vocab, chunk[j], &scores[j].p_token);
    });
    for (size_t j = 0; j < count; ++j) {
      scores[j].piece = std::move(pieces[j]);
      result.tokens.push_back(std::move(scores[j]));
    }
    const float* last = LogitsRow(static_cast<int32_t>(count - 1));
    prev.assign(last, last + n_vocab);
  }
  result.ms = MsSince(start);
  return result;
}

}  // namespace relaygen
