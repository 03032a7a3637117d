// UTF-8 helpers for text that arrives in arbitrary byte pieces (tokens may split a character).
#ifndef RELAYGEN_UTIL_UTF8_H_
#define RELAYGEN_UTIL_UTF8_H_

#include <cstddef>
#include <string_view>

namespace relaygen {

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Byte offset of the first invalid sequence, or text.size() if valid.
size_t FirstInvalidUtf8(std::string_view text);

// Length of the longest prefix of `text` that does not end inside an incomplete (but so far
// valid) multi-byte sequence: the part that can be printed now.
size_t CompleteUtf8Prefix(std::string_view text);

}  // namespace relaygen

#endif  // RELAYGEN_UTIL_UTF8_H_
