#include "util/utf8.h"

namespace relaygen {
namespace {

// Length of the sequence starting with lead byte `c`, or 0 if `c` cannot start one.
size_t SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// Whether the second byte is allowed after `lead` (rules out overlongs, surrogates, > U+10FFFF).
bool SecondByteOk(unsigned char lead, unsigned char b) {
  if ((b & 0xC0) != 0x80) return false;
  if (lead == 0xE0) return b >= 0xA0;
  if (lead == 0xED) return b <= 0x9F;
  if (lead == 0xF0) return b >= 0x90;
  if (lead == 0xF4) return b <= 0x8F;
  return true;
}

// Number of bytes of a valid (possibly truncated) sequence at text[i]; 0 if invalid.
// Sets *complete when the whole sequence is present.
size_t ScanSequence(std::string_view text, size_t i, bool* complete) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const size_t len = SequenceLength(lead);
  if (len == 0) return 0;
  size_t n = 1;
  for (; n < len && i + n < text.size(); ++n) {
    const auto b = static_cast<unsigned char>(text[i + n]);
    if (n == 1 ? !SecondByteOk(lead, b) : (b & 0xC0) != 0x80) return 0;
  }
  *complete = (n == len);
  return n;
}

}  // namespace

size_t FirstInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    bool complete = false;
    const size_t n = ScanSequence(text, i, &complete);
    if (n == 0 || !complete) return i;
    i += n;
  }
  return text.size();
}

bool IsValidUtf8(std::string_view text) { return FirstInvalidUtf8(text) == text.size(); }

size_t CompleteUtf8Prefix(std::string_view text) {
  // Only the last (up to) 3 bytes can belong to an unfinished sequence.
  const size_t start = text.size() > 3 ? text.size() - 3 : 0;
  for (size_t i = start; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    bool complete = false;
    const size_t n = ScanSequence(text, i, &complete);
    if (n > 0 && !complete && i + n == text.size()) return i;
  }
  return text.size();
}

}  // namespace relaygen
