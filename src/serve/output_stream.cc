#include "serve/output_stream.h"

#include <algorithm>

namespace relaygen {
namespace {

constexpr std::string_view kThinkStart = "<think>";

bool IsBlank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The length of the longest suffix of `text` that is a proper prefix of `marker`.
size_t PartialSuffix(std::string_view text, std::string_view marker) {
  const size_t longest = std::min(text.size(), marker.size() - 1);
  for (size_t n = longest; n > 0; --n) {
    if (text.substr(text.size() - n) == marker.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

OutputStream::OutputStream(std::vector<std::string> stops, bool split_reasoning)
    : stops_(std::move(stops)), split_(split_reasoning), phase_(split_reasoning ? Phase::kStart : Phase::kAnswer) {}

bool OutputStream::Add(Writer writer, std::string_view text, std::vector<OutputDelta>* out) {
  if (stopped_ || text.empty()) return !stopped_;
  pending_.append(text);
  if (!runs_.empty() && runs_.back().writer == writer) {
    runs_.back().bytes += text.size();
  } else {
    runs_.push_back({writer, text.size()});
  }
  Scan(out);
  return !stopped_;
}

void OutputStream::Finish(std::vector<OutputDelta>* out) {
  if (stopped_) return;
  if (phase_ == Phase::kStart) phase_ = Phase::kReasoning;
  Emit(pending_.size(), 0, out);
}

bool OutputStream::SettleStart() {
  size_t lead = 0;
  while (lead < pending_.size() && IsBlank(pending_[lead])) ++lead;
  const std::string_view rest = std::string_view(pending_).substr(lead);
  if (rest.size() < kThinkStart.size() && kThinkStart.substr(0, rest.size()) == rest) return false;
  phase_ = Phase::kReasoning;
  if (rest.substr(0, kThinkStart.size()) == kThinkStart) Emit(0, lead + kThinkStart.size(), nullptr);
  return true;
}

void OutputStream::Scan(std::vector<OutputDelta>* out) {
  if (phase_ == Phase::kStart && !SettleStart()) return;
  for (;;) {
    // The earliest marker in what is pending: a stop, or `</think>` while reasoning.
    size_t best = std::string::npos, best_len = 0;
    bool is_stop = false;
    auto consider = [&](const std::string& marker, bool stop) {
      const size_t at = pending_.find(marker);
      if (at != std::string::npos && (at < best || (at == best && marker.size() > best_len))) {
        best = at;
        best_len = marker.size();
        is_stop = stop;
      }
    };
    for (const std::string& stop : stops_) consider(stop, true);
    if (phase_ == Phase::kReasoning) consider(kThinkEndTag, false);
    if (best == std::string::npos) break;
    Emit(best, best_len, out);
    if (is_stop) {
      stopped_ = true;
      pending_.clear();
      runs_.clear();
      return;
    }
    phase_ = Phase::kAnswer;
  }
  size_t hold = 0;
  for (const std::string& stop : stops_) hold = std::max(hold, PartialSuffix(pending_, stop));
  if (phase_ == Phase::kReasoning) hold = std::max(hold, PartialSuffix(pending_, kThinkEndTag));
  Emit(pending_.size() - hold, 0, out);
}

void OutputStream::Emit(size_t n, size_t drop, std::vector<OutputDelta>* out) {
  const bool reasoning = phase_ != Phase::kAnswer;
  std::string& sent = reasoning ? reasoning_ : content_;
  size_t at = 0;
  while (at < n + drop && !runs_.empty()) {
    Run& run = runs_.front();
    const size_t take = std::min(run.bytes, n + drop - at);
    if (at < n) {
      std::string_view piece = std::string_view(pending_).substr(at, std::min(take, n - at));
      // Each field starts at its first non-blank character (the newlines around the tags).
      if (split_ && sent.empty()) {
        while (!piece.empty() && IsBlank(piece.front())) piece.remove_prefix(1);
      }
      if (!piece.empty() && out != nullptr) {
        if (!out->empty() && out->back().reasoning == reasoning && out->back().writer == run.writer) {
          out->back().text.append(piece);
        } else {
          out->push_back({reasoning, run.writer, std::string(piece)});
        }
      }
      sent.append(piece);
    }
    at += take;
    run.bytes -= take;
    if (run.bytes == 0) runs_.erase(runs_.begin());
  }
  pending_.erase(0, n + drop);
}

}  // namespace relaygen
