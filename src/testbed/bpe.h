// Byte-level BPE vocabularies in the GPT-2 convention llama.cpp's "gpt2" tokenizer expects: every
// byte is a token (written through GPT-2's byte-to-unicode map), merges build longer tokens, and
// the special tokens of Qwen3's chat format come last.
#ifndef RELAYGEN_TESTBED_BPE_H_
#define RELAYGEN_TESTBED_BPE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "testbed/gguf_writer.h"

namespace relaygen {

// Raw bytes -> GPT-2 token text (printable bytes map to themselves, others to U+0100.. code points).
std::string ByteToUnicode(std::string_view bytes);

// The special tokens, in vocabulary order after the byte and merged tokens. <|endoftext|>,
// <|im_start|> and <|im_end|> are control tokens (never rendered); <think> and </think> are
// user-defined, so like in Qwen3 they are always parsed as one token and rendered as text.
extern const char* const kSpecialTokens[5];

// A vocabulary of the 256 bytes, one token per merge (pairs of raw byte strings, applied in
// order; each side must already be a token), and the special tokens. EOS = <|im_end|> (the end of
// the assistant turn), EOT = BOS = PAD = <|endoftext|>. Throws relaygen::Error on a merge whose
// sides are not tokens yet or whose result already is one.
BpeVocab BuildByteLevelVocab(const std::vector<std::pair<std::string, std::string>>& merges);

// Splits ASCII text the way llama.cpp's "qwen2" pre-tokenizer regex does; BPE never merges across
// these pieces. Letters runs take one leading non-letter, non-newline character (" the", "\\boxed"),
// digits are single pieces, punctuation runs take an optional leading space and trailing newlines.
// Non-ASCII bytes are treated as punctuation (the testbed corpus is ASCII).
std::vector<std::string> PreTokenize(std::string_view text);

// Learns `n_merges` merges from `texts` (special tokens must already be removed): pieces from
// PreTokenize, counted, merged greedily by pair frequency (ties: the lexicographically smaller
// pair, so the result is deterministic). Digits are never merged: every number stays a sequence
// of single-digit tokens, the way Qwen's tokenizer writes numbers.
std::vector<std::pair<std::string, std::string>> LearnBpeMerges(const std::vector<std::string>& texts,
                                                                int n_merges);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_BPE_H_
