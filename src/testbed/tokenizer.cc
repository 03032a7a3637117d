#include "testbed/tokenizer.h"

#include <cstdio>

#include "llama.h"
#include "util/error.h"

namespace relaygen {

TestbedTokenizer::TestbedTokenizer(const std::string& gguf_path) {
  if (FILE* f = std::fopen(gguf_path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    throw Error("vocabulary file not found: " + gguf_path);
  }
  llama_model_params params = llama_model_default_params();
  params.vocab_only = true;
  model_ = llama_model_load_from_file(gguf_path.c_str(), params);
  if (!model_) throw Error("llama.cpp cannot load the vocabulary of " + gguf_path);
}

TestbedTokenizer::~TestbedTokenizer() { llama_model_free(model_); }

int TestbedTokenizer::n_vocab() const { return llama_vocab_n_tokens(llama_model_get_vocab(model_)); }

std::vector<int32_t> TestbedTokenizer::Encode(const std::string& text) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  std::vector<llama_token> out(text.size() + 16);
  int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), out.data(),
                         static_cast<int32_t>(out.size()), /*add_special=*/false, /*parse_special=*/true);
  if (n < 0) {
    out.resize(-n);
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), out.data(),
                       static_cast<int32_t>(out.size()), false, true);
  }
  if (n < 0) throw Error("tokenization failed");
  out.resize(n);
  return out;
}

std::string TestbedTokenizer::Decode(const std::vector<int32_t>& tokens) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  std::string text;
  char buf[256];
  for (int32_t t : tokens) {
    const int n = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, /*special=*/false);
    if (n > 0) text.append(buf, n);
  }
  return text;
}

std::string TestbedTokenizer::Piece(int32_t token) const {
  char buf[256];
  const int n = llama_token_to_piece(llama_model_get_vocab(model_), token, buf, sizeof(buf), 0, /*special=*/true);
  return n > 0 ? std::string(buf, n) : std::string();
}

std::vector<TokenizedExample> TokenizeProblems(const TestbedTokenizer& tokenizer, const std::vector<Problem>& problems) {
  std::vector<TokenizedExample> out;
  out.reserve(problems.size());
  for (const Problem& p : problems) {
    // The prompt ends in "\n" after a special token and the response starts with <think>, so
    // tokenizing the two parts apart gives the same tokens as tokenizing their concatenation.
    TokenizedExample e;
    e.tokens = tokenizer.Encode(ChatPrompt(p.UserMessage()));
    e.prompt_len = static_cast<int>(e.tokens.size());
    const std::vector<int32_t> response = tokenizer.Encode(p.response + "<|im_end|>");
    e.tokens.insert(e.tokens.end(), response.begin(), response.end());
    if (!p.no_loss.empty()) {
      // Byte offsets of each response token; a token is skipped if it overlaps a no-loss range.
      size_t begin = 0;
      for (size_t i = 0; i < response.size(); ++i) {
        const size_t end = begin + tokenizer.Piece(response[i]).size();
        for (const auto& [b, e2] : p.no_loss) {
          if (begin < e2 && b < end) {
            e.no_loss.push_back(e.prompt_len + static_cast<int>(i));
            break;
          }
        }
        begin = end;
      }
      if (begin != p.response.size() + std::string("<|im_end|>").size()) {
        throw Error("tokenizer: the tokens of problem " + p.id + " do not spell its response");
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace relaygen
