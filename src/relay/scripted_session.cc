#include "relay/scripted_session.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "engine/segment_builder.h"
#include "engine/stop_matcher.h"
#include "util/error.h"

namespace relaygen {

const char* const kEos = "<eos>";

std::vector<std::string> SimpleTokenize(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto alpha = [](unsigned char c) { return std::isalpha(c) || c >= 0x80 || c == '_'; };
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && text[j] == ' ') ++j;
    if (j < text.size() && alpha(static_cast<unsigned char>(text[j]))) {
      while (j < text.size() && alpha(static_cast<unsigned char>(text[j]))) ++j;
    } else if (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    } else if (j < text.size()) {
      ++j;
    }
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

ScriptedSession::ScriptedSession(std::vector<ScriptedToken> tape) : tape_(std::move(tape)) {}

int ScriptedSession::CountTokens(const std::string& text) const {
  return static_cast<int>(SimpleTokenize(text).size());
}

Segment ScriptedSession::Generate(const std::string& transcript, const SegmentRequest& request,
                                  const TextCallback& on_text) {
  // The same builder as LlamaSession: stops, budget, margins and streaming follow the engine's
  // contract by construction. The transcript is bytes, as for the real engine.
  SegmentBuilder builder(request, transcript, on_text);
  size_t common = 0;
  while (common < cached_.size() && common < transcript.size() && cached_[common] == transcript[common]) {
    ++common;
  }
  const int n_reused = CountTokens(transcript.substr(0, common));
  const int n_prefilled = CountTokens(transcript.substr(common));
  if (CountTokens(transcript) >= context_tokens_) {
    if (cached_.empty()) throw ContextOverflow("scripted: the transcript does not fit the context");
    builder.ContextFull();
    Segment seg = builder.Finish();
    seg.n_reused = n_reused;
    calls_.push_back({transcript, request, seg});
    return seg;
  }
  bool sampled_last = false;  // the loop ended on a sampled token, not end of generation
  // Token healing: a tape token that begins with the healed bytes is the first token; otherwise
  // the model writes the healed bytes as a token of their own (id 0), which a real vocabulary
  // always has, and the tape follows.
  if (!request.first_token_prefix.empty() && pos_ < tape_.size() &&
      tape_[pos_].text.compare(0, request.first_token_prefix.size(), request.first_token_prefix) != 0 &&
      !builder.Add(0, request.first_token_prefix, 1.0f)) {
    sampled_last = true;
  }
  for (; !sampled_last;) {
    if (pos_ >= tape_.size() || tape_[pos_].text == kEos) {
      if (pos_ < tape_.size()) ++pos_;
      builder.EndOfGeneration();
      break;
    }
    if (before_token_) before_token_(pos_);
    const ScriptedToken& tok = tape_[pos_++];
    // Token ids are tape positions (1-based), so the tokens of a segment show where they came from.
    if (!builder.Add(static_cast<Token>(pos_), tok.text, tok.margin)) {
      sampled_last = true;
      break;
    }
  }
  Segment seg = builder.Finish();
  // A token drawn only as a word-boundary lookahead is not kept: the next call produces it again.
  if (sampled_last && (seg.tokens.empty() || seg.tokens.back() != static_cast<Token>(pos_))) --pos_;
  seg.n_reused = n_reused;
  seg.n_prefilled = n_prefilled;
  cached_ = transcript + seg.text;
  calls_.push_back({transcript, request, seg});
  return seg;
}

LookaheadResult ScriptedSession::ContinuesWord(const std::string& transcript, const Sampling&) {
  if (before_lookahead_) before_lookahead_();
  LookaheadResult result;
  result.n_prefilled = CountTokens(transcript.substr(std::min(cached_.size(), transcript.size())));
  const bool eos = pos_ >= tape_.size() || tape_[pos_].text == kEos;
  result.continues_word = !eos && !tape_[pos_].text.empty() && IsWordByte(tape_[pos_].text[0]);
  return result;
}

ScoreResult ScriptedSession::Score(const std::string& context, const std::string& continuation) {
  ScoreResult result;
  result.n_prefilled = CountTokens(context);
  std::string before;
  for (const std::string& piece : SimpleTokenize(continuation)) {
    TokenScore t;
    t.piece = piece;
    t.token = static_cast<Token>(std::hash<std::string>{}(piece) & 0x7fff);
    if (margin_fn_) {
      t.margin = margin_fn_(context, before, piece);
    } else {
      // FNV-1a over the text: deterministic across runs and platforms.
      uint32_t h = 2166136261u;
      for (char c : context + before + piece) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
      t.margin = static_cast<float>(h % 1000) / 1000.0f;
    }
    t.p_token = t.margin;
    before += piece;
    result.tokens.push_back(std::move(t));
  }
  return result;
}

ScriptedModel::ScriptedModel(std::string name, std::vector<std::string> tape)
    : name_(std::move(name)), shared_(std::make_shared<ScriptedSession>(std::vector<ScriptedToken>(tape.begin(), tape.end()))) {}

std::string ScriptedModel::RenderChat(const std::vector<ChatMessage>& messages) const {
  std::string out;
  for (const ChatMessage& m : messages) out += "<|" + m.role + "|>" + m.content + "\n";
  return out + "<|assistant|>\n";
}

namespace {
// Sessions of a ScriptedModel share one tape.
class SharedSession : public Session {
 public:
  explicit SharedSession(std::shared_ptr<ScriptedSession> s) : s_(std::move(s)) {}
  Segment Generate(const std::string& transcript, const SegmentRequest& request,
                   const TextCallback& on_text) override {
    return s_->Generate(transcript, request, on_text);
  }
  ScoreResult Score(const std::string& context, const std::string& continuation) override {
    return s_->Score(context, continuation);
  }
  int CountTokens(const std::string& text) const override { return s_->CountTokens(text); }

 private:
  std::shared_ptr<ScriptedSession> s_;
};
}  // namespace

std::unique_ptr<Session> ScriptedModel::NewSession() { return std::make_unique<SharedSession>(shared_); }

}  // namespace relaygen
