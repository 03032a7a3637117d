// Tokenizes testbed text with llama.cpp itself (a vocab-only load of the vocabulary GGUF), so the
// token ids the trainer learns on are exactly those llama.cpp produces at inference time.
#ifndef RELAYGEN_TESTBED_TOKENIZER_H_
#define RELAYGEN_TESTBED_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "testbed/task.h"

struct llama_model;

namespace relaygen {

class TestbedTokenizer {
 public:
  // Throws relaygen::Error when the file is missing or llama.cpp cannot load its vocabulary.
  explicit TestbedTokenizer(const std::string& gguf_path);
  ~TestbedTokenizer();
  TestbedTokenizer(const TestbedTokenizer&) = delete;
  TestbedTokenizer& operator=(const TestbedTokenizer&) = delete;

  // Special tokens (<|im_start|> ...) are parsed; no BOS is added.
  std::vector<int32_t> Encode(const std::string& text) const;
  std::string Decode(const std::vector<int32_t>& tokens) const;  // control tokens render as nothing
  std::string Piece(int32_t token) const;                          // every token as text, control ones too
  int n_vocab() const;

 private:
  llama_model* model_;
};

// One training sequence: the chat prompt, then the reference response closed by <|im_end|>.
// Only the response tokens (from `prompt_len` on) are trained on: the problems are random, the
// model only has to learn to answer them.
struct TokenizedExample {
  std::vector<int32_t> tokens;
  int prompt_len = 0;
  // Tokens not to train on (indices into `tokens`, ascending): those overlapping Problem::no_loss.
  std::vector<int> no_loss;
};

// Tokenizes problem by problem (llama_tokenize on one huge string is super-linear). Throws
// relaygen::Error if the tokens do not spell the text back (then no_loss could not be mapped).
std::vector<TokenizedExample> TokenizeProblems(const TestbedTokenizer& tokenizer, const std::vector<Problem>& problems);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_TOKENIZER_H_
