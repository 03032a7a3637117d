#include "engine/speculative.h"

#include <llama.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "engine/llama_engine.h"
#include "engine/llama_session.h"
#include "engine/segment_builder.h"
#include "util/error.h"

namespace relaygen {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

LlamaSession* AsLlama(Session* session, const char* role) {
  auto* llama = dynamic_cast<LlamaSession*>(session);
  if (llama == nullptr) {
    throw Error(std::string("speculative decoding needs an embedded llama.cpp model as the ") + role +
                " (a server cannot verify a batch or roll back its cache)");
  }
  return llama;
}

std::string TokenPiece(const llama_vocab* vocab, Token token) {
  char buf[256];
  const int n = llama_token_to_piece(vocab, token, buf, sizeof(buf), 0, /*special=*/true);
  return n >= 0 ? std::string(buf, n) : std::string("<" + std::to_string(-n) + " bytes>");
}

}  // namespace

const std::vector<std::string>& SpecDrafterNames() {
  static const std::vector<std::string> names = {"none", "draft", "ngram"};
  return names;
}

NgramDrafter::NgramDrafter(int ngram_max, int ngram_min) : ngram_max_(ngram_max), ngram_min_(ngram_min) {
  if (ngram_min < 1 || ngram_max < ngram_min) {
    throw Error("n-gram drafter: need 1 <= ngram_min <= ngram_max (got " + std::to_string(ngram_min) + ", " +
                std::to_string(ngram_max) + ")");
  }
}

std::vector<Token> NgramDrafter::Draft(const std::vector<Token>& context, const std::string& text, int n_max) {
  (void)text;
  const int size = static_cast<int>(context.size());
  for (int n = std::min(ngram_max_, size - 1); n >= ngram_min_; --n) {
    const auto tail = context.end() - n;
    // Where the last n tokens occurred before, latest first (recent text predicts best).
    std::vector<int> follows;
    for (int at = size - n - 1; at >= 0 && follows.size() < kMaxOccurrences; --at) {
      if (std::equal(tail, context.end(), context.begin() + at)) follows.push_back(at + n);
    }
    if (follows.empty()) continue;
    // Draft what the occurrences agree on: a phrase that recurs goes on, a number that differs
    // each time (restated sums) ends the draft before it.
    std::vector<Token> out;
    for (int j = 0; static_cast<int>(out.size()) < n_max && follows[0] + j < size; ++j) {
      const Token token = context[follows[0] + j];
      bool agree = true;
      for (int from : follows) agree &= from + j < size && context[from + j] == token;
      if (!agree) break;
      out.push_back(token);
    }
    return out;
  }
  return {};
}

ModelDrafter::ModelDrafter(Session* session, std::unique_ptr<Session> owned, Session* target, float p_min)
    : owned_(std::move(owned)), session_(AsLlama(session, "draft model")), p_min_(p_min) {
  CheckDraftVocabulary(AsLlama(target, "target")->model_->raw(), session_->model_->raw());
}

ModelDrafter::~ModelDrafter() = default;

std::vector<Token> ModelDrafter::Draft(const std::vector<Token>& context, const std::string& text, int n_max) {
  (void)context;  // the draft model follows the text: its own tokenization of it may differ
  LlamaSession& s = *session_;
  try {
    s.Sync(text);
  } catch (const ContextOverflow&) {
    return {};  // the draft model's window is full: the target goes on alone
  }
  const LlamaSession::SamplerPtr greedy = s.MakeSampler(Sampling{});
  const int n_vocab = llama_vocab_n_tokens(s.vocab_);
  std::vector<Token> out;
  std::vector<Token> one(1);
  std::vector<std::string> piece(1);
  while (static_cast<int>(out.size()) < n_max && s.tokens_.size() + 1 < static_cast<size_t>(s.n_ctx())) {
    const float* row = s.LogitsRow(-1);
    const Token token = s.DrawToken(greedy.get(), row, Sampling{});
    if (p_min_ > 0) {
      float p = 0;
      TopTwoMargin(row, n_vocab, token, &p);
      if (p < p_min_) break;
    }
    out.push_back(token);
    // The last draft is never evaluated here: if the target keeps it, the next Sync does.
    if (static_cast<int>(out.size()) == n_max || llama_vocab_is_eog(s.vocab_, token)) break;
    one[0] = token;
    piece[0] = s.Piece(token);
    s.Decode(one, piece, false);
  }
  return out;
}

void CheckDraftVocabulary(const llama_model* target, const llama_model* draft) {
  const llama_vocab* tv = llama_model_get_vocab(target);
  const llama_vocab* dv = llama_model_get_vocab(draft);
  const int n = llama_vocab_n_tokens(tv);
  const int n_draft = llama_vocab_n_tokens(dv);
  if (n != n_draft) {
    throw Error("the draft model cannot draft for this model: its vocabulary has " + std::to_string(n_draft) +
                " tokens, the target's " + std::to_string(n) + " (drafted token ids would mean other text)");
  }
  // Every token of a small vocabulary; about 2,000 spread over a large one, and its last 256
  // (where added and special tokens live).
  const int stride = std::max(1, n / 2000);
  for (int t = 0; t < n; t += (t >= n - 256 ? 1 : stride)) {
    const std::string a = TokenPiece(tv, t), b = TokenPiece(dv, t);
    if (a != b) {
      throw Error("the draft model cannot draft for this model: token " + std::to_string(t) + " is '" + b +
                  "' in the draft vocabulary but '" + a + "' in the target's");
    }
  }
  if (llama_vocab_eos(tv) != llama_vocab_eos(dv)) {
    throw Error("the draft model cannot draft for this model: its end-of-sequence token differs");
  }
}

SpeculativeSession::SpeculativeSession(std::unique_ptr<Session> target, std::unique_ptr<Drafter> drafter,
                                       const SpecOptions& options)
    : target_(std::move(target)),
      llama_(AsLlama(target_.get(), "target")),
      drafter_(std::move(drafter)),
      options_(options),
      draft_length_(options.n_max) {
  if (drafter_ == nullptr) throw Error("internal: speculative session without a drafter");
  if (options_.n_max < 1) throw Error("--spec-n-max must be at least 1 (got " + std::to_string(options_.n_max) + ")");
}

SpeculativeSession::~SpeculativeSession() = default;

struct SpeculativeSession::Run {
  Run(const SegmentRequest& r, const std::string& transcript, const TextCallback& on_text)
      : request(r), builder(r, transcript, on_text) {}

  const SegmentRequest& request;
  SegmentBuilder builder;
  LlamaSession::SamplerPtr sampler;
  float margin = 0;  // of the row the last token was drawn from
  int n_tokens = 0;  // tokens the builder kept
  SpecStats stats;
};

Segment SpeculativeSession::Generate(const std::string& transcript, const SegmentRequest& request,
                                     const TextCallback& on_text) {
  LlamaSession& t = *llama_;
  Run run(request, transcript, on_text);
  auto start = Clock::now();
  LlamaSession::SyncStats sync;
  try {
    sync = t.Sync(transcript);
  } catch (const ContextOverflow&) {
    if (t.tokens_.empty() && t.text_.empty()) throw;  // as LlamaSession::Generate
    run.builder.ContextFull();
    Segment seg = run.builder.Finish();
    seg.prefill_ms = MsSince(start);
    return seg;
  }
  const double prefill_ms = MsSince(start);

  start = Clock::now();
  run.sampler = t.MakeSampler(request.sampling);
  for (Token next = DrawFirst(&run); next >= 0;) next = Step(&run, next);
  Segment seg = run.builder.Finish();
  seg.n_reused = sync.reused;
  seg.n_prefilled = sync.prefilled;
  seg.prefill_ms = prefill_ms;
  seg.decode_ms = MsSince(start);
  seg.spec = run.stats;
  return seg;
}

// Draws from `row` as LlamaSession::Generate does, keeping the row's margin for the builder.
Token SpeculativeSession::Draw(Run* run, float* row) {
  const int n_vocab = llama_vocab_n_tokens(llama_->vocab_);
  run->margin = run->request.want_margins ? TopTwoMargin(row, n_vocab, -1, nullptr) : 0.0f;
  return llama_->DrawToken(run->sampler.get(), row, run->request.sampling);
}

Token SpeculativeSession::DrawFirst(Run* run) {
  LlamaSession& t = *llama_;
  if (t.tokens_.size() + 1 >= static_cast<size_t>(t.n_ctx())) {
    run->builder.ContextFull();
    return -1;
  }
  float* row = t.LogitsRow(-1);
  if (!run->request.first_token_prefix.empty()) {
    // Token healing: only tokens that begin with the backed-off text may come first.
    std::vector<float> kept(llama_vocab_n_tokens(t.vocab_), -std::numeric_limits<float>::infinity());
    for (Token tok : t.TokensStartingWith(run->request.first_token_prefix)) kept[tok] = row[tok];
    std::copy(kept.begin(), kept.end(), row);
  }
  return Draw(run, row);
}

Token SpeculativeSession::Step(Run* run, Token next) {
  LlamaSession& t = *llama_;
  if (llama_vocab_is_eog(t.vocab_, next)) {
    run->builder.EndOfGeneration();
    return -1;
  }
  std::string piece = t.Piece(next);
  if (!run->builder.Add(next, piece, run->margin)) return -1;
  ++run->n_tokens;
  // Draft no more than the budget, the context window (one slot stays free, as without
  // speculation) and one batch can take.
  const size_t n_ctx = static_cast<size_t>(t.n_ctx());
  const size_t base = t.tokens_.size();
  const long room = std::min<long>({static_cast<long>(draft_length_), run->request.max_tokens - run->n_tokens,
                                    static_cast<long>(n_ctx) - static_cast<long>(base) - 3,
                                    static_cast<long>(t.n_batch()) - 1});
  std::vector<Token> drafted;
  if (room > 0) {
    std::vector<Token> context = t.tokens_;
    context.push_back(next);
    drafted = drafter_->Draft(context, t.text_ + piece, static_cast<int>(room));
    if (static_cast<long>(drafted.size()) > room) drafted.resize(room);
  }
  std::vector<Token> batch = {next};
  batch.insert(batch.end(), drafted.begin(), drafted.end());
  std::vector<std::string> pieces = {std::move(piece)};
  for (Token d : drafted) pieces.push_back(t.Piece(d));
  t.Decode(batch, pieces, /*all_logits=*/!drafted.empty());
  if (!drafted.empty()) {
    run->stats.drafted += static_cast<int>(drafted.size());
    ++run->stats.batches;
  }
  // Row i predicts the token after batch[i]. Keep drafts while the target draws them itself.
  size_t keep = base + 1;
  int accepted = 0;
  next = -1;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (base + i + 2 >= n_ctx) {
      run->builder.ContextFull();
      break;
    }
    const Token drawn = Draw(run, t.LogitsRow(drafted.empty() ? -1 : static_cast<int32_t>(i)));
    if (i >= drafted.size() || drawn != drafted[i]) {
      next = drawn;
      break;
    }
    ++run->stats.accepted;
    ++accepted;
    if (llama_vocab_is_eog(t.vocab_, drawn)) {
      run->builder.EndOfGeneration();
      break;
    }
    // A stop or the budget ends the segment at this token, which stays unevaluated, as without
    // speculation.
    if (!run->builder.Add(drawn, pieces[i + 1], run->margin)) break;
    ++run->n_tokens;
    keep = base + i + 2;
  }
  t.Truncate(keep);
  if (options_.adaptive && !drafted.empty()) {
    // Draft one more than the last batch kept: a drafter that is mostly wrong (n-grams in fresh
    // text) then proposes single tokens, whose verify batch costs no more than a decode.
    draft_length_ = std::min(options_.n_max, accepted + 1);
  }
  return next;
}

std::unique_ptr<Session> MakeSpeculativeSession(std::unique_ptr<Session> target, const SpecOptions& options,
                                                Session* draft_session, Model* draft_model) {
  if (options.drafter == "none") return target;
  std::unique_ptr<Drafter> drafter;
  if (options.drafter == "ngram") {
    drafter = std::make_unique<NgramDrafter>(options.ngram_max, options.ngram_min);
  } else if (options.drafter == "draft") {
    std::unique_ptr<Session> owned;
    if (draft_session == nullptr) {
      if (draft_model == nullptr) throw Error("internal: --spec draft without a draft model");
      owned = draft_model->NewSession();
      draft_session = owned.get();
    }
    drafter = std::make_unique<ModelDrafter>(draft_session, std::move(owned), target.get(), options.p_min);
  } else {
    throw Error("unknown drafter '" + options.drafter + "' (expected none, draft or ngram)");
  }
  return std::make_unique<SpeculativeSession>(std::move(target), std::move(drafter), options);
}

}  // namespace relaygen
