#include "relay/spec_thinking.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "relay/run_recorder.h"
#include "util/error.h"

namespace relaygen {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ContainsAny(const std::string& lower_text, const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    if (!w.empty() && lower_text.find(Lower(w)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

int StepSentiment(const std::string& text, const SpecThinkingConfig& config) {
  const std::string lower = Lower(text);
  if (ContainsAny(lower, config.negative_keywords) || ContainsAny(lower, config.verify_keywords)) {
    return -1;
  }
  return ContainsAny(lower, config.positive_keywords) ? 1 : 0;
}

SpecThinkingConfig SpecThinkingConfigFromJson(const std::string& text, const std::string& origin) {
  SpecThinkingConfig c;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(origin + ": expected a JSON object");
  try {
    for (const auto& [key, value] : j.items()) {
      if (key == "triggers") c.triggers = value.get<std::vector<std::string>>();
      else if (key == "peek_tokens") c.peek_tokens = value.get<int>();
      else if (key == "large_tokens") c.large_tokens = value.get<int>();
      else if (key == "verify_keywords") c.verify_keywords = value.get<std::vector<std::string>>();
      else if (key == "negative_keywords") c.negative_keywords = value.get<std::vector<std::string>>();
      else if (key == "positive_keywords") c.positive_keywords = value.get<std::vector<std::string>>();
      else if (key == "recap_words") c.recap_words = value.get<std::string>();
      else if (key == "recap_tokens") c.recap_tokens = value.get<int>();
      else if (key == "recap_after_negative") c.recap_after_negative = value.get<int>();
      else if (key == "add_each_recap") c.add_each_recap = value.get<int>();
      else if (key == "add_each_negative") c.add_each_negative = value.get<int>();
      else if (key == "max_recap_tokens") c.max_recap_tokens = value.get<int>();
      else if (key == "max_negative") c.max_negative = value.get<int>();
      else if (key == "verify_triggers_recap") c.verify_triggers_recap = value.get<bool>();
      else throw Error(origin + ": unknown spec-thinking setting \"" + key + "\"");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": bad value: " + e.what());
  }
  if (c.triggers.empty()) throw Error(origin + ": triggers must not be empty");
  for (const std::string& t : c.triggers) {
    if (t.empty()) throw Error(origin + ": empty trigger");
  }
  if (c.peek_tokens <= 0 || c.large_tokens <= 0 || c.recap_tokens < 0 || c.recap_after_negative < 0) {
    throw Error(origin + ": peek_tokens and large_tokens must be positive, recap settings >= 0");
  }
  return c;
}

SpecThinkingConfig LoadSpecThinkingConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read spec-thinking config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return SpecThinkingConfigFromJson(ss.str(), path);
}

SpecThinkingPolicy::SpecThinkingPolicy(Session* large, Session* small, SpecThinkingConfig config)
    : large_(large), small_(small), config_(std::move(config)) {
  if (large_ == nullptr || small_ == nullptr) throw Error("spec-thinking needs a large and a small model");
}

PolicyResult SpecThinkingPolicy::Run(const std::string& prompt, const Sampling& sampling,
                                     int max_tokens,
                                     const std::function<void(Writer, std::string_view)>& on_text) {
  RunRecorder rec(prompt, sampling, max_tokens, on_text);
  int negatives = 0;
  int recap_tokens = config_.recap_tokens;
  int recap_after = config_.recap_after_negative;
  bool done = false;
  bool reasoning = true;

  // The large model writes up to `n` tokens; returns false when generation ended.
  auto large_writes = [&](int n, const char* why) {
    SegmentRequest req;
    req.sampling = rec.NextSampling();
    req.max_tokens = std::min(n, rec.remaining());
    req.stops = {ThinkEndStop()};
    const Segment seg = large_->Generate(rec.transcript(), req, rec.Stream(Writer::kLarge));
    const bool closed = seg.stop_reason == StopReason::kStop;
    rec.Add(Writer::kLarge, false, seg, seg.text, closed ? kThinkEndTag : std::string(why));
    if (closed) reasoning = false;
    if (seg.stop_reason == StopReason::kEndOfGeneration || seg.context_full) done = true;
    return seg.text;
  };

  while (!done && reasoning && rec.remaining() > 0) {
    // The small model writes one step, up to a trigger.
    SegmentRequest step;
    step.sampling = rec.NextSampling();
    step.max_tokens = rec.remaining();
    for (const std::string& t : config_.triggers) step.stops.push_back({t, false, false});
    step.stops.push_back(ThinkEndStop());
    const Segment seg = small_->Generate(rec.transcript(), step, rec.Stream(Writer::kSmall));
    if (seg.stop_reason != StopReason::kStop) {
      rec.Add(Writer::kSmall, false, seg, seg.text, EndReason(seg));
      done = true;
      break;
    }
    if (step.stops[seg.stop_index].text == kThinkEndTag) {
      rec.Add(Writer::kSmall, false, seg, seg.text, kThinkEndTag);
      reasoning = false;
      break;
    }
    rec.Add(Writer::kSmall, false, seg, seg.text, "trigger");
    if (rec.remaining() <= 0) break;

    int intervention = 0;
    if (negatives >= recap_after) {
      // Many negative steps in a row: the large model recaps.
      rec.Insert(Writer::kLarge, false, config_.recap_words, "inserted:recap");
      intervention = recap_tokens;
      negatives = 0;
      recap_tokens = std::min(recap_tokens + config_.add_each_recap, config_.max_recap_tokens);
      recap_after = std::min(recap_after + config_.add_each_negative, config_.max_negative);
    } else {
      // Peek at what the small model would write next.
      SegmentRequest peek;
      peek.sampling = rec.NextSampling();
      peek.max_tokens = std::min(config_.peek_tokens, rec.remaining());
      peek.stops = {ThinkEndStop()};
      const Segment p = small_->Generate(rec.transcript(), peek);
      const int sentiment = StepSentiment(p.text, config_);
      std::string written;
      int final_sentiment = sentiment;
      if (sentiment != 0) {
        // Flagged: the large model writes this stretch instead (the reference's choose_large).
        rec.AddDiscarded(static_cast<int>(p.tokens.size()));
        written = large_writes(config_.large_tokens, "intervention");
        final_sentiment = StepSentiment(written, config_);
      } else {
        // Unflagged: keep the peek (the reference discards and regenerates it from the same
        // distribution; keeping it saves the small model the work).
        const bool closed = p.stop_reason == StopReason::kStop;
        rec.Add(Writer::kSmall, false, p, p.text, closed ? kThinkEndTag : "peek");
        if (closed) reasoning = false;
        if (p.stop_reason == StopReason::kEndOfGeneration || p.context_full) done = true;
        written = p.text;
      }
      if (final_sentiment < 0) ++negatives;
      if (config_.verify_triggers_recap && ContainsAny(Lower(written), config_.verify_keywords)) {
        intervention = config_.recap_tokens;
      }
    }
    if (intervention > 0 && !done && reasoning && rec.remaining() > 0) large_writes(intervention, "recap");
  }

  // The answer: the small model, as in the reference (it is the main writer).
  if (!done && !reasoning && rec.remaining() > 0) {
    SegmentRequest answer;
    answer.sampling = rec.NextSampling();
    answer.max_tokens = rec.remaining();
    const Segment seg = small_->Generate(rec.transcript(), answer, rec.Stream(Writer::kSmall));
    rec.Add(Writer::kSmall, true, seg, seg.text, EndReason(seg));
  }
  return rec.Finish();
}

}  // namespace relaygen
