// Stop matching on the pieces a real tokenizer produces (Qwen2's byte-level BPE, from the
// vocab-only GGUF shipped with llama.cpp), where token boundaries fall where they really do.
#include <gtest/gtest.h>
#include <llama.h>

#include "engine/stop_matcher.h"
#include "test_models.h"

namespace relaygen {
namespace {

class QwenPieces : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    llama_model_params params = llama_model_default_params();
    params.vocab_only = true;
    model_ = llama_model_load_from_file(LlamaVocabPath("ggml-vocab-qwen2.gguf").c_str(), params);
    ASSERT_NE(model_, nullptr);
  }
  static void TearDownTestSuite() { llama_model_free(model_); }

  static std::vector<std::string> Pieces(const std::string& text) {
    const llama_vocab* vocab = llama_model_get_vocab(model_);
    std::vector<llama_token> tokens(text.size() + 4);
    tokens.resize(llama_tokenize(vocab, text.data(), text.size(), tokens.data(), tokens.size(), false, true));
    std::vector<std::string> pieces;
    for (llama_token t : tokens) {
      char buf[128];
      const int n = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, true);
      pieces.emplace_back(buf, n);
    }
    return pieces;
  }

  // Feeds the pieces of `text` until a stop fires; returns the kept text ("" if none fired) and
  // the number of pieces consumed.
  static std::pair<std::string, size_t> Run(StopMatcher& m, const std::string& text) {
    const auto pieces = Pieces(text);
    for (size_t i = 0; i < pieces.size(); ++i) {
      const auto r = m.Push(pieces[i]);
      if (r.fired) return {m.text().substr(0, r.cut), i + 1};
    }
    return {"", pieces.size()};
  }

  static llama_model* model_;
};
llama_model* QwenPieces::model_ = nullptr;

TEST_F(QwenPieces, CueWithTrailingSpaceCutsInsideTheNextToken) {
  // Qwen writes "So the" as "So" + " the": the stop "So " ends inside " the".
  ASSERT_EQ(Pieces("So the"), (std::vector<std::string>{"So", " the"}));
  StopMatcher m({Stop{"So ", true, false}}, 0, "\n");
  auto [kept, used] = Run(m, "So the sum is 12.");
  EXPECT_EQ(kept, "So ");
  EXPECT_EQ(used, 2u);
}

TEST_F(QwenPieces, WordBoundaryCueSkipsNowhereAndFiresOnNow) {
  StopMatcher m({Stop{"Now", true, false}}, 0, "\n");
  auto [kept, used] = Run(m, "Nowhere to go. Now, we add.");
  EXPECT_EQ(kept, "Nowhere to go. Now");
}

TEST_F(QwenPieces, SubstringModeFiresInsideNowhere) {
  StopMatcher m({Stop{"Now", false, false}}, 0, "\n");
  auto [kept, used] = Run(m, "Nowhere to go. Now, we add.");
  EXPECT_EQ(kept, "Now");
}

TEST_F(QwenPieces, SentenceEndInsideAMultiCharacterToken) {
  const auto pieces = Pieces("is 12.\n\nThen");
  bool merged = false;
  for (const auto& p : pieces) merged |= (p.size() > 1 && p[0] == '.');
  ASSERT_TRUE(merged) << "expected a token holding '.' plus more";
  StopMatcher m({Stop{".", false, false}, Stop{"\n\n", false, false}}, 0, "");
  auto [kept, used] = Run(m, "is 12.\n\nThen");
  EXPECT_EQ(kept, "is 12.");
}

TEST_F(QwenPieces, StopOnACharacterSplitAcrossByteTokens) {
  const std::string text = "Let \xF0\x9D\x94\xB8. be the set";  // U+1D538 (double-struck A)
  StopMatcher m({Stop{"\xF0\x9D\x94\xB8.", false, false}}, 0, "");
  auto [kept, used] = Run(m, text);
  EXPECT_EQ(kept, "Let \xF0\x9D\x94\xB8.");
}

}  // namespace
}  // namespace relaygen
