// What the relay assumes of a tokenizer, checked with the real ones (docs/real-models.md): Qwen2's
// pre-tokenizer (Qwen3) and DeepSeek's (R1-Distill-Qwen: digits in threes, CJK runs apart), on
// cue words followed by digits, Chinese text, emoji and paragraph breaks.
#include <gtest/gtest.h>
#include <llama.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/llama_engine.h"
#include "relay/prefill_ahead.h"
#include "test_models.h"
#include "util/utf8.h"

namespace relaygen {
namespace {

const std::vector<std::string> kTexts = {
    "So 12 apples. Therefore, 3456 + 78 = 3534.\n\nNow 9 more, so 12345678.",
    "因此，答案是 12。所以 我们 得到 34 个苹果。\n\n然后 5 加 6",
    "Thus 😀 12 🎉🎉 ok.\n\nWait, 7 👍🏽 x",
    "Hmm.\n\n\nSo  two  spaces 1\n 3\n\n  indented 42",
};

std::vector<llama_token> Tokens(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> out(text.size() + 8);
  const int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), out.data(),
                               static_cast<int32_t>(out.size()), /*add_special=*/false, /*parse_special=*/true);
  out.resize(n > 0 ? n : 0);
  return out;
}

bool SplitKeepsTokens(const llama_vocab* vocab, const std::string& text, size_t p) {
  std::vector<llama_token> parts = Tokens(vocab, text.substr(0, p));
  const std::vector<llama_token> rest = Tokens(vocab, text.substr(p));
  parts.insert(parts.end(), rest.begin(), rest.end());
  return parts == Tokens(vocab, text);
}

class RealShapedRelay : public ::testing::TestWithParam<std::string> {};

// Prefill ahead reads the transcript in pieces that end at split points, and token healing cuts a
// cue's trailing space (a split point too): the pieces' tokens must be the whole text's tokens.
TEST_P(RealShapedRelay, SplitPointsKeepTheRealTokenization) {
  LlamaOptions o;
  o.n_ctx = 256;
  o.repack = false;  // this machine's AMX kernels fault on these shapes (docs/real-models.md)
  const auto model = LlamaModel::Open(RealShapedModelPath(GetParam(), "small"), o);
  const llama_vocab* vocab = llama_model_get_vocab(model->raw());
  int splits = 0, other_breaks = 0;
  for (const std::string& text : kTexts) {
    // The split points prefill ahead can use: every prefix's longest safe prefix.
    std::set<size_t> points;
    for (size_t p = 1; p <= text.size(); ++p) points.insert(SafeSplitPoint(text.substr(0, p)));
    points.erase(0);
    for (size_t p = 1; p < text.size(); ++p) {
      if ((static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) continue;  // inside a UTF-8 character
      if (points.count(p)) {
        ++splits;
        EXPECT_TRUE(SplitKeepsTokens(vocab, text, p)) << "split at " << p << " of '" << text << "'";
      } else if (!SplitKeepsTokens(vocab, text, p)) {
        ++other_breaks;  // positions that are not split points do break tokens: the check can fail
      }
    }
  }
  EXPECT_GT(splits, 30);
  EXPECT_GT(other_breaks, 30);
}

// Token healing after a cue that ends in a space ("So "): the space is cut and the next model's
// first token must begin with it. Also for prefixes a random model would almost never start with
// by itself (a Chinese full stop, a paragraph break), so the restriction is seen to work.
TEST_P(RealShapedRelay, HealedFirstTokenStartsWithTheCutText) {
  LlamaOptions o;
  o.n_ctx = 512;
  o.repack = false;
  const auto model = LlamaModel::Open(RealShapedModelPath(GetParam(), "large"), o);
  const std::string transcript = model->RenderChat({{"user", "What is 17 * 23?"}}) + "So";
  for (const std::string prefix : {" ", "。", "\n\n"}) {
    SegmentRequest r;
    r.sampling.temperature = 0;
    r.max_tokens = 3;
    r.first_token_prefix = prefix;
    const Segment seg = model->NewSession()->Generate(transcript, r, nullptr);
    EXPECT_EQ(seg.text.compare(0, prefix.size(), prefix), 0) << "'" << seg.text << "'";
  }
}

std::string FamilyName(const ::testing::TestParamInfo<std::string>& param) {
  return param.param == "qwen3" ? "Qwen3" : "R1Distill";
}

INSTANTIATE_TEST_SUITE_P(Families, RealShapedRelay, ::testing::Values("qwen3", "r1-distill"), FamilyName);

}  // namespace
}  // namespace relaygen
