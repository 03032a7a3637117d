// libFuzzer target: stop strings and text pieces from the input, fed to OutputStream. Checks the
// stream's promises: what it sends is the text cut before the earliest stop (reasoning and answer
// split at the first </think>), whatever the piece boundaries.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "serve/output_stream.h"

namespace {

// The input: up to 3 stops, then pieces, all separated by 0xff bytes.
std::vector<std::string> Split(const uint8_t* data, size_t size) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0xff) {
      parts.emplace_back();
    } else {
      parts.back().push_back(static_cast<char>(data[i]));
    }
  }
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relaygen;
  const std::vector<std::string> parts = Split(data, size);
  std::vector<std::string> stops;
  size_t i = 0;
  for (; i < parts.size() && i < 3 && !parts[i].empty(); ++i) stops.push_back(parts[i]);
  std::string whole;
  for (size_t j = i; j < parts.size(); ++j) whole += parts[j];

  // Expected: completions (no split) send `whole` up to the earliest stop.
  size_t cut = whole.size();
  for (const std::string& s : stops) cut = std::min(cut, whole.find(s) == std::string::npos ? cut : whole.find(s));
  OutputStream stream(stops, false);
  std::vector<OutputDelta> out;
  for (size_t j = i; j < parts.size(); ++j) {
    if (!stream.Add(j % 2 ? Writer::kSmall : Writer::kLarge, parts[j], &out)) break;
  }
  stream.Finish(&out);
  std::string sent;
  for (const OutputDelta& d : out) sent += d.text;
  if (sent != whole.substr(0, cut) || stream.content() != sent) std::abort();

  // With the reasoning split, the two fields joined are never longer than the cut text.
  OutputStream split(stops, true);
  out.clear();
  for (size_t j = i; j < parts.size(); ++j) {
    if (!split.Add(Writer::kLarge, parts[j], &out)) break;
  }
  split.Finish(&out);
  if (split.reasoning().size() + split.content().size() > cut) std::abort();
  return 0;
}
