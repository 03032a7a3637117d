// Real tokenizers for test models: the vocabulary of one of llama.cpp's vocab-only GGUFs
// (ggml-vocab-qwen2.gguf: Qwen2's 151,643 BPE tokens and three specials) completed with the added
// tokens a model family's own GGUFs carry, at the ids and with the token types they have there.
#ifndef RELAYGEN_TESTBED_REAL_VOCAB_H_
#define RELAYGEN_TESTBED_REAL_VOCAB_H_

#include <string>

#include "testbed/gguf_writer.h"

namespace relaygen {

// Which family's added tokens, special-token ids and pre-tokenizer to give a base vocabulary.
//   "qwen3":      <|endoftext|> … <think> </think> at 151643–151668 as in Qwen3's GGUFs
//                 (the <|…|> tokens control, <think>/<tool_call>/… user-defined), eos <|im_end|>,
//                 no BOS added, padded to 151,936 entries with unused [PADn] tokens.
//   "r1-distill": DeepSeek-R1-Distill-Qwen's: <｜end▁of▁sentence｜> <｜User｜> <｜Assistant｜>
//                 <｜begin▁of▁sentence｜> <|EOT|> <think> </think> … at 151643–151664, BOS added,
//                 pre-tokenizer deepseek-r1-qwen, padded to 151,936 (the 1.5B's size).
//   "none":       the file's vocabulary unchanged.
// The base file's first 151,643 tokens (which must all be normal tokens: Qwen2's BPE vocabulary)
// are kept; whatever it holds above them is replaced by the family's tokens. Throws
// relaygen::Error on an unknown family or a base vocabulary that is not Qwen2's.
// `n_vocab` > 0 pads to that many entries instead of 151,936 (R1-Distill-Qwen-32B has 152,064
// embedding rows, its 1.5B 151,936: one vocabulary, two sizes).
void AddFamilyTokens(const std::string& family, BpeVocab* vocab, int n_vocab = 0);

// The vocabulary of the byte-level BPE GGUF at `path` with `family`'s tokens added.
BpeVocab RealVocab(const std::string& path, const std::string& family, int n_vocab = 0);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_REAL_VOCAB_H_
