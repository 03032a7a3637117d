#include "relay/run_recorder.h"

#include "util/error.h"

namespace relaygen {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// Sentence-ending punctuation, which the relay may back off at a handoff like whitespace.
bool IsSentenceEnd(char c) { return c == '.' || c == '!' || c == '?'; }

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

uint64_t MixSeed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

RunRecorder::RunRecorder(std::string prompt, const Sampling& sampling, int max_tokens,
                         const PolicyTextCallback& on_text)
    : transcript_(std::move(prompt)),
      sampling_(sampling),
      max_tokens_(max_tokens),
      on_text_(on_text),
      start_(std::chrono::steady_clock::now()) {
  if (max_tokens <= 0) throw Error("max_tokens must be positive");
}

Sampling RunRecorder::NextSampling() {
  Sampling sampling = sampling_;
  // The first call keeps the request's seed, so a single-segment policy samples exactly like a
  // plain generate with the same --seed.
  if (calls_ > 0) sampling.seed = MixSeed(sampling_.seed ^ MixSeed(calls_));
  ++calls_;
  return sampling;
}

void RunRecorder::Emit(Writer writer, std::string_view text) {
  if (text.empty()) return;
  // Held whitespace of another writer is final now: hand it over first.
  if (!held_.empty() && held_writer_ != writer) {
    if (on_text_) on_text_(held_writer_, held_);
    held_.clear();
  }
  std::string all = held_;
  all.append(text);
  size_t keep = all.size();
  while (keep > 0 && (IsSpace(all[keep - 1]) || IsSentenceEnd(all[keep - 1]))) --keep;
  if (keep > 0 && on_text_) on_text_(writer, std::string_view(all).substr(0, keep));
  held_ = all.substr(keep);
  held_writer_ = writer;
}

TextCallback RunRecorder::Stream(Writer writer) {
  streamed_ = 0;
  return [this, writer](std::string_view text) {
    streamed_ += text.size();
    Emit(writer, text);
    return true;
  };
}

void RunRecorder::Add(Writer writer, bool answer, const Segment& segment, std::string_view kept,
                      const std::string& ended_by, bool merge) {
  // Whatever the engine did not stream (the stop string itself, or everything when no callback
  // was used) goes out now, through the same whitespace hold-back.
  if (streamed_ < kept.size()) Emit(writer, kept.substr(streamed_));
  streamed_ = 0;

  const int tokens = static_cast<int>(segment.tokens.size());
  used_ += tokens;
  RunStats& stats = result_.stats;
  (writer == Writer::kLarge ? stats.large_tokens : stats.small_tokens) += tokens;
  if (first_generate_) {
    stats.prompt_prefill_ms = segment.prefill_ms;
    first_generate_ = false;
  } else {
    stats.handoff_prefill_tokens += segment.n_prefilled;
  }

  transcript_.append(kept);
  result_.text.append(kept);
  auto& segments = result_.segments;
  // An empty step (end of generation right away) of a token-level policy only closes the last
  // record; it must not show up as a switch.
  const bool empty = tokens == 0 && kept.empty();
  if (merge && !segments.empty() && !segments.back().inserted &&
      (empty || (segments.back().writer == writer && segments.back().answer == answer))) {
    SegmentRecord& last = segments.back();
    last.text.append(kept);
    last.tokens += tokens;
    last.ended_by = ended_by;
    last.prefill_tokens += segment.n_prefilled;
    last.prefill_ms += segment.prefill_ms;
    last.decode_ms += segment.decode_ms;
    last.spec += segment.spec;
    stats.spec += segment.spec;
    return;
  }
  SegmentRecord record;
  record.writer = writer;
  record.answer = answer;
  record.text = std::string(kept);
  record.tokens = tokens;
  record.ended_by = ended_by;
  record.prefill_tokens = segment.n_prefilled;
  record.spec = segment.spec;
  stats.spec += segment.spec;
  record.prefill_ms = segment.prefill_ms;
  record.decode_ms = segment.decode_ms;
  segments.push_back(std::move(record));
}

void RunRecorder::Insert(Writer next_reader, bool answer, const std::string& text,
                         const std::string& why) {
  Emit(next_reader, text);
  transcript_.append(text);
  result_.text.append(text);
  SegmentRecord record;
  record.writer = next_reader;
  record.answer = answer;
  record.text = text;
  record.ended_by = why;
  record.inserted = true;
  result_.segments.push_back(std::move(record));
}

void RunRecorder::BackOff(size_t n) {
  if (n == 0) return;
  if (n > held_.size() || result_.segments.empty() || result_.segments.back().text.size() < n) {
    throw Error("internal: backing off text that was already streamed");
  }
  held_.resize(held_.size() - n);
  transcript_.resize(transcript_.size() - n);
  result_.text.resize(result_.text.size() - n);
  std::string& last = result_.segments.back().text;
  last.resize(last.size() - n);
}

PolicyResult RunRecorder::Finish() {
  if (on_text_ && !held_.empty()) on_text_(held_writer_, held_);
  held_.clear();
  RunStats& stats = result_.stats;
  // Switches are changes of writer between consecutive reasoning segments; the answer stage is
  // not a switch (as in the reference).
  const SegmentRecord* prev = nullptr;
  for (const SegmentRecord& s : result_.segments) {
    if (s.answer || s.inserted) continue;
    if (prev != nullptr && prev->writer != s.writer) {
      (prev->writer == Writer::kLarge ? stats.switches_l_to_s : stats.switches_s_to_l) += 1;
    }
    prev = &s;
  }
  const int total = stats.large_tokens + stats.small_tokens;
  stats.large_utilization = total > 0 ? static_cast<double>(stats.large_tokens) / total : 0.0;
  stats.wall_ms = MsSince(start_);
  return std::move(result_);
}

}  // namespace relaygen
