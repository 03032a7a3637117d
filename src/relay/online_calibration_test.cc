// Online calibration on the bundled testbed pair (real llama.cpp): the statistics the small model
// gathers while reading the large model's traces in prefill-ahead pieces equal offline
// calibration's on the same traces, and the relay measures what it reads and explores.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/llama_engine.h"
#include "relay/calibration.h"
#include "relay/cue_profile.h"
#include "relay/online_tally.h"
#include "relay/prefill_ahead.h"
#include "relay/relay_controller.h"
#include "test_models.h"

namespace relaygen {
namespace {

class OnlineCalibrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ConfigureLlamaLogging();
    LlamaOptions o;
    o.n_threads = 1;
    o.n_ctx = 2048;
    large_ = LlamaModel::Open(BundledModelFile("testbed-large.gguf"), o).release();
    small_ = LlamaModel::Open(BundledModelFile("testbed-small.gguf"), o).release();
    std::vector<CalibrationProblem> problems = LoadCalibrationProblems(BundledModelFile("testbed-calibration.jsonl"));
    problems.resize(3);
    Sampling s{0.6f, 0.95f, 20, 42};
    traces_ = new std::vector<Trace>(GenerateTraces(*large_, problems, 2, s, 42, 512));
  }
  static void TearDownTestSuite() {
    delete traces_;
    delete large_;
    delete small_;
  }

  static LlamaModel* large_;
  static LlamaModel* small_;
  static std::vector<Trace>* traces_;
};

LlamaModel* OnlineCalibrationTest::large_ = nullptr;
LlamaModel* OnlineCalibrationTest::small_ = nullptr;
std::vector<Trace>* OnlineCalibrationTest::traces_ = nullptr;

// Reads `text` into `session` as prefill ahead does, in pieces ending at split points (every
// `stride`-th one), then whole. Every 7th piece is first read with a word that the text then does
// not have (as after a withdrawn turn): the next read cuts the cache back and must evaluate the
// last kept token again to get the row that predicts what follows.
std::vector<PrefillToken> ReadAlong(Session& session, const std::string& text, size_t score_from, int stride) {
  std::vector<PrefillToken> read;
  int seen = 0;
  for (size_t end = 1; end < text.size(); ++end) {
    if (SafeSplitPoint(text.substr(0, end + 1)) != end || ++seen % stride != 0) continue;
    if (seen % 7 == 0) {
      for (PrefillToken& t : session.PrefillScored(text.substr(0, end) + "\n\nzq", score_from).scored) read.push_back(std::move(t));
    }
    for (PrefillToken& t : session.PrefillScored(text.substr(0, end), score_from).scored) read.push_back(std::move(t));
  }
  for (PrefillToken& t : session.PrefillScored(text, score_from).scored) read.push_back(std::move(t));
  return read;
}

TEST_F(OnlineCalibrationTest, ReadAlongStatisticsEqualOfflineCalibrationOnTheSameTraces) {
  auto offline_session = small_->NewSession();
  std::vector<ScoredTrace> offline;
  for (const Trace& t : *traces_) offline.push_back(ScoreTrace(*small_, *offline_session, t));

  // One session for all traces, so a later trace starts from a cache cut back to the common
  // prompt prefix (the row predicting the first new token must be re-evaluated). Problems
  // alternate: text still cached from an earlier request is not read again, so two samples of one
  // problem in a row would leave their common start unmeasured.
  std::vector<const Trace*> order;
  for (int sample = 0; sample < 2; ++sample) {
    for (const Trace& t : *traces_) {
      if (t.sample == sample) order.push_back(&t);
    }
  }
  auto session = small_->NewSession();
  OnlineTally tally;
  int stride = 1;
  for (const Trace* trace : order) {
    const Trace& t = *trace;
    const std::string prompt = small_->RenderChat({{"user", t.problem}});
    PolicyResult run;
    run.text = t.text;
    SegmentRecord seg;
    seg.writer = Writer::kLarge;
    seg.text = t.text;
    run.segments = {seg};
    run.read_along = ReadAlong(*session, prompt + t.text, prompt.size(), stride);
    stride = stride % 3 + 1;
    tally.Merge(TallyTrace(ReadAlongOf(prompt.size(), run), CueMatch::kWordBoundary, CandidateCues()));
  }

  int compared = 0;
  for (const char* rule : {"mean", "min"}) {
    // The same tokens are scored in batches of other sizes online (read-along pieces of a few
    // words) than offline (a whole trace): llama.cpp's F16 matrix products round differently for
    // one token and for many (a vector dot against a blocked GEMM), and margins of the same token
    // then differ by up to ~4e-3, per-cue means by up to ~2e-4 (measured where F16 products do not
    // go through AMX, docs/real-models.md). Hence kTolerance; the counts must match exactly.
    constexpr double kTolerance = 5e-4;
    CalibrationOptions o;
    o.rule = SelectionRule::Parse(rule);
    const CueProfile want = ComputeCueProfile(offline, o);
    const CueProfile got = ProfileFromTally(tally, o.rule, 1);
    EXPECT_EQ(want.global_tokens, got.global_tokens);
    EXPECT_NEAR(want.global_mean, got.global_mean, kTolerance);
    ASSERT_EQ(want.cues.size(), got.cues.size());
    for (size_t i = 0; i < want.cues.size(); ++i) {
      const CueStat& a = want.cues[i];
      const CueStat& b = got.cues[i];
      EXPECT_EQ(a.occurrences, b.occurrences) << rule << " " << a.cue;
      EXPECT_EQ(a.tokens, b.tokens) << rule << " " << a.cue;
      EXPECT_EQ(a.regions, b.regions) << rule << " " << a.cue;
      EXPECT_NEAR(a.mean, b.mean, kTolerance) << rule << " " << a.cue;
      EXPECT_NEAR(a.se, b.se, kTolerance) << rule << " " << a.cue;
      if (std::abs(a.mean - (want.global_mean + a.se)) > 1e-3) {
        EXPECT_EQ(a.selected, b.selected) << a.cue;
      }
      compared += a.regions > 0;
    }
  }
  EXPECT_GT(compared, 4);  // the traces do hold cue regions
}

TEST_F(OnlineCalibrationTest, RelayReadsTheLargeModelsTextWithMarginsAndExplores) {
  const CueProfile profile = LoadCueProfile(BundledModelFile("testbed-cues.json"));
  const std::string prompt = large_->RenderChat({{"user", (*traces_)[0].problem}});
  // Fresh sessions for each run: text cached by an earlier run is not read (so not measured) again.
  auto run = [&](const RelayOptions& options) {
    auto large = large_->NewSession();
    auto small = small_->NewSession();
    return RelayController(large.get(), small.get(), options).Run(prompt, Sampling(), 400);
  };
  RelayOptions o;
  o.cues = profile.Selected();
  o.score_read_along = true;
  const PolicyResult plain = run(o);
  ASSERT_GT(plain.stats.switches_l_to_s, 0);
  ASSERT_FALSE(plain.read_along.empty());
  const std::string transcript = prompt + plain.text;
  for (const PrefillToken& t : plain.read_along) {
    ASSERT_LE(t.begin + t.piece.size(), transcript.size());
    EXPECT_EQ(transcript.substr(t.begin, t.piece.size()), t.piece);
    EXPECT_GE(t.margin, 0.0f);
    EXPECT_LE(t.margin, 1.0f);
  }
  const OnlineTally measured = TallyTrace(ReadAlongOf(prompt.size(), plain), CueMatch::kWordBoundary, CandidateCues());
  EXPECT_GT(measured.global.n, 0);
  EXPECT_LE(measured.global.n, plain.stats.large_tokens);
  EXPECT_EQ(plain.stats.explored_cues, 0);

  // Exploring every selected cue: no switch, each cue explored, and its sentence measured.
  o.explore = 1;
  const PolicyResult explored = run(o);
  EXPECT_EQ(explored.stats.switches_l_to_s, 0);
  EXPECT_GT(explored.stats.explored_cues, 0);
  EXPECT_EQ(explored.explored.size(), static_cast<size_t>(explored.stats.explored_cues));
  const OnlineTally all = TallyTrace(ReadAlongOf(prompt.size(), explored), CueMatch::kWordBoundary, CandidateCues());
  int explored_regions = 0;
  for (const std::string& cue : o.cues) {
    if (all.cues.count(cue)) explored_regions += all.cues.at(cue).explored;
  }
  EXPECT_GT(explored_regions, 0);
  // Deterministic for a seed; and with rate 0 nothing is explored.
  EXPECT_EQ(run(o).text, explored.text);
  EXPECT_FALSE(ExploreCue(1, 100, 0.0));
  EXPECT_TRUE(ExploreCue(1, 100, 1.0));
  int hits = 0;
  for (size_t i = 0; i < 10000; ++i) hits += ExploreCue(7, i, 0.05);
  EXPECT_NEAR(hits / 10000.0, 0.05, 0.01);
}

}  // namespace
}  // namespace relaygen
