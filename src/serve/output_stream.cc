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
  Scan(out, false);
  return !stopped_;
}

void OutputStream::Finish(std::vector<OutputDelta>* out) {
  if (!stopped_) Scan(out, true);
}

bool OutputStream::SettleStart(bool final) {
  size_t lead = 0;
  while (lead < pending_.size() && IsBlank(pending_[lead])) ++lead;
  const std::string_view rest = std::string_view(pending_).substr(lead);
  if (!final && rest.size() < kThinkStart.size() && kThinkStart.substr(0, rest.size()) == rest) return false;
  phase_ = Phase::kReasoning;
  const size_t tag_end = lead + kThinkStart.size();
  if (rest.substr(0, kThinkStart.size()) == kThinkStart && !StopMayStartIn(0, tag_end, !final)) {
    Emit(0, tag_end, nullptr);
  }
  return true;
}

bool OutputStream::StopMayStartIn(size_t begin, size_t end, bool partial) const {
  for (size_t at = begin; at < end && at < pending_.size(); ++at) {
    for (const std::string& stop : stops_) {
      const size_t n = std::min(stop.size(), pending_.size() - at);
      if ((partial || n == stop.size()) && pending_.compare(at, n, stop, 0, n) == 0) return true;
    }
  }
  return false;
}

void OutputStream::Scan(std::vector<OutputDelta>* out, bool final) {
  if (phase_ == Phase::kStart && !SettleStart(final)) return;
  const size_t tag_len = std::string_view(kThinkEndTag).size();
  for (;;) {
    // The earliest complete stop (ties: the longer), and `</think>` while reasoning.
    size_t stop_at = std::string::npos, stop_len = 0;
    for (const std::string& stop : stops_) {
      const size_t at = pending_.find(stop);
      if (at != std::string::npos && (at < stop_at || (at == stop_at && stop.size() > stop_len))) {
        stop_at = at;
        stop_len = stop.size();
      }
    }
    const size_t think_at = phase_ == Phase::kReasoning ? pending_.find(kThinkEndTag) : std::string::npos;
    if (think_at != std::string::npos && think_at < stop_at) {
      // Stops see the text as written: one that may still complete from before the tag's end
      // decides first.
      if (!StopMayStartIn(0, think_at + tag_len, !final)) {
        Emit(think_at, tag_len, out);
        phase_ = Phase::kAnswer;
        continue;
      }
      if (stop_at == std::string::npos || stop_at >= think_at + tag_len) {
        Emit(std::min(think_at, pending_.size() - HeldBack()), 0, out);
        return;
      }
    }
    // A complete stop, unless a stop from an earlier position may still complete.
    if (stop_at == std::string::npos || StopMayStartIn(0, stop_at, !final)) break;
    Emit(stop_at, stop_len, out);
    stopped_ = true;
    pending_.clear();
    runs_.clear();
    return;
  }
  Emit(final ? pending_.size() : pending_.size() - HeldBack(), 0, out);
}

size_t OutputStream::HeldBack() const {
  size_t hold = 0;
  for (const std::string& stop : stops_) hold = std::max(hold, PartialSuffix(pending_, stop));
  if (phase_ == Phase::kReasoning) hold = std::max(hold, PartialSuffix(pending_, kThinkEndTag));
  return hold;
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
