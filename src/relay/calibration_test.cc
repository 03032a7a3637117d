#include "relay/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "relay/calibration_report.h"
#include "relay/scripted_session.h"
#include "util/error.h"

namespace relaygen {
namespace {

ScoredTrace Scored(std::vector<std::pair<std::string, float>> tokens) {
  ScoredTrace t;
  for (auto& [p, m] : tokens) {
    t.pieces.push_back(p);
    t.margins.push_back(m);
  }
  return t;
}

TEST(CalibrationTest, StatisticsAndSelectionRule) {
  // Global: 10 tokens. "Thus," opens a confident region, "Wait," an unsure one.
  const std::vector<ScoredTrace> traces = {
      Scored({{"Thus", 0.2f}, {",", 0.2f}, {" it", 0.9f}, {" is", 1.0f}, {".", 0.5f}}),
      Scored({{"Wait", 0.2f}, {",", 0.1f}, {" no", 0.1f}, {" hmm", 0.3f}, {".", 0.5f}})};
  CalibrationOptions o;
  o.candidates = {"Thus,", "Wait,", "Now"};
  const CueProfile p = ComputeCueProfile(traces, o);
  EXPECT_EQ(p.global_tokens, 10);
  EXPECT_NEAR(p.global_mean, 4.0 / 10, 1e-6);
  ASSERT_EQ(p.cues.size(), 3u);
  const CueStat& thus = p.cues[0];
  EXPECT_EQ(thus.occurrences, 1);
  EXPECT_EQ(thus.tokens, 2);
  EXPECT_NEAR(thus.mean, 0.95, 1e-6);
  EXPECT_NEAR(thus.std, 0.05, 1e-6);
  EXPECT_NEAR(thus.se, 0.05 / std::sqrt(2.0), 1e-6);
  EXPECT_TRUE(thus.selected);
  EXPECT_FALSE(p.cues[1].selected);
  EXPECT_NEAR(p.cues[1].mean, 0.2, 1e-6);
  EXPECT_EQ(p.cues[2].occurrences, 0);
  EXPECT_FALSE(p.cues[2].selected);
  EXPECT_EQ(p.Selected(), std::vector<std::string>{"Thus,"});

  o.min_occurrences = 2;
  EXPECT_TRUE(ComputeCueProfile(traces, o).Selected().empty());
}

TEST(CalibrationTest, OneStandardErrorAboveTheMeanIsRequired) {
  // Region mean 0.6 vs global mean ~0.52: passes only while SE is small.
  const std::vector<ScoredTrace> tight = {
      Scored({{"Now", 0.4f}, {" a", 0.6f}, {" b", 0.6f}, {".", 0.5f}})};
  const std::vector<ScoredTrace> spread = {
      Scored({{"Now", 0.4f}, {" a", 0.2f}, {" b", 1.0f}, {".", 0.5f}})};
  CalibrationOptions o;
  o.candidates = {"Now"};
  EXPECT_TRUE(ComputeCueProfile(tight, o).cues[0].selected);
  EXPECT_FALSE(ComputeCueProfile(spread, o).cues[0].selected);  // 0.6 < 0.525 + 0.4/sqrt(2)
}

// The mean rule pools a region's tokens, so one unsure token among sure ones passes; the min rule
// scores each region by its least sure token and rejects the cue. Hand-computed: global mean over
// 22 tokens = 17.8 / 22 = 0.809; "So " regions: {1.0 x 8, 0.1} twice -> pooled mean 0.9, std
// 0.283, SE 0.283/sqrt(18) = 0.067 (selected: 0.9 >= 0.876); region minima {0.1, 0.1} -> 0.1.
TEST(CalibrationTest, MinRuleSeesOneHardTokenThatTheMeanHides) {
  std::vector<std::pair<std::string, float>> tokens = {{"So", 0.5f}};
  for (int i = 0; i < 8; ++i) tokens.push_back({" a", 1.0f});
  tokens.push_back({" 7", 0.1f});
  tokens.push_back({".", 0.3f});
  const std::vector<ScoredTrace> traces = {Scored(tokens), Scored(tokens)};
  CalibrationOptions o;
  o.candidates = {"So "};
  CueProfile p = ComputeCueProfile(traces, o);
  EXPECT_NEAR(p.global_mean, 17.8 / 22, 1e-6);
  EXPECT_NEAR(p.cues[0].se, std::sqrt(0.08) / std::sqrt(18.0), 1e-6);
  EXPECT_EQ(p.rule, "mean");
  EXPECT_EQ(p.cues[0].tokens, 18);
  EXPECT_EQ(p.cues[0].regions, 2);
  EXPECT_NEAR(p.cues[0].mean, 8.1 / 9, 1e-6);
  EXPECT_TRUE(p.cues[0].selected);
  o.rule = SelectionRule::Parse("min");
  p = ComputeCueProfile(traces, o);
  EXPECT_EQ(p.rule, "min");
  EXPECT_NEAR(p.cues[0].mean, 0.1, 1e-6);
  EXPECT_NEAR(p.cues[0].se, 0.0, 1e-9);
  EXPECT_FALSE(p.cues[0].selected);
  // quantile:0.5 of {1.0 x 8, 0.1} is 1.0: selected again.
  o.rule = SelectionRule::Parse("quantile:0.5");
  p = ComputeCueProfile(traces, o);
  EXPECT_EQ(p.rule, "quantile:0.5");
  EXPECT_NEAR(p.cues[0].mean, 1.0, 1e-6);
  EXPECT_TRUE(p.cues[0].selected);
  // The rule survives the profile's JSON; bad rules are refused.
  EXPECT_EQ(CueProfileFromJson(CueProfileToJson(p)).rule, "quantile:0.5");
  EXPECT_EQ(CueProfileFromJson(R"({"cues": []})").rule, "mean");
  for (const char* bad : {"median", "quantile:", "quantile:1.5", "quantile:0.1x", "min "}) {
    EXPECT_THROW(SelectionRule::Parse(bad), Error) << bad;
  }
}

TEST(CalibrationTest, SubstringMatchPoolsInsideWords) {
  const std::vector<ScoredTrace> traces = {Scored({{" Nowhere", 0.1f}, {" x", 0.9f}, {".", 0.1f}})};
  CalibrationOptions o;
  o.candidates = {"Now"};
  EXPECT_EQ(ComputeCueProfile(traces, o).cues[0].occurrences, 0);
  o.match = CueMatch::kSubstring;
  const CueProfile p = ComputeCueProfile(traces, o);
  EXPECT_EQ(p.cues[0].occurrences, 1);
  EXPECT_EQ(p.cues[0].tokens, 1);  // " x": the token that contains the cue starts before its end
  EXPECT_EQ(p.match, "substring");
}

TEST(CalibrationTest, NoTokensIsAnError) {
  EXPECT_THROW(ComputeCueProfile({}, CalibrationOptions{}), Error);
}

TEST(CalibrationTest, ReasoningStopsAtThinkEnd) {
  EXPECT_EQ(ReasoningOf("<think>\nabc\n</think>\n\n5"), "<think>\nabc\n");
  EXPECT_EQ(ReasoningOf("abc"), "abc");
}

TEST(CalibrationTest, TraceSeedsAreStableAndDistinct) {
  EXPECT_EQ(TraceSeed(1, 2, 3), TraceSeed(1, 2, 3));
  EXPECT_NE(TraceSeed(1, 2, 3), TraceSeed(1, 3, 2));
  EXPECT_NE(TraceSeed(1, 0, 0), TraceSeed(2, 0, 0));
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/relaygen_calib_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The whole pipeline on the scripted engine: generate → save/load traces → score → profile.
std::string CalibrateScripted(uint64_t seed, const std::string& traces_path) {
  const std::vector<std::string> tape = {
      "<think>", "\n", "Now", " we", " add", " 2", ".", " So", " the", " sum", " is", " 5", ".",
      "\n", "Wait", ",", " maybe", " 6", "?", "</think>", "5", "<eos>",
      "<think>", "\n", "Thus", ",", " it", " is", " 3", ".", "</think>", "3", "<eos>"};
  ScriptedModel large("large-test", tape);
  ScriptedModel small("small-test", {});
  const std::vector<CalibrationProblem> problems = {{"p0", "one"}, {"p1", "two"}};
  std::vector<Trace> traces = GenerateTraces(large, problems, 1, Sampling{}, seed, 64);
  SaveTraces(traces, traces_path);
  traces = LoadTraces(traces_path);
  auto session = small.NewSession();
  std::vector<ScoredTrace> scored;
  for (const Trace& t : traces) scored.push_back(ScoreTrace(small, *session, t));
  CueProfile p = ComputeCueProfile(scored, CalibrationOptions{});
  p.large = large.name();
  p.small = small.name();
  p.seed = seed;
  p.traces = static_cast<int>(traces.size());
  return CueProfileToJson(p);
}

TEST(CalibrationTest, PipelineIsDeterministicAndTracesRoundTrip) {
  const std::string a = CalibrateScripted(11, TempPath("a.jsonl"));
  const std::string b = CalibrateScripted(11, TempPath("b.jsonl"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(ReadAll(TempPath("a.jsonl")), ReadAll(TempPath("b.jsonl")));
  const auto traces = LoadTraces(TempPath("a.jsonl"));
  ASSERT_EQ(traces.size(), 2u);
  EXPECT_EQ(traces[0].id, "p0");
  EXPECT_EQ(traces[0].problem, "one");
  EXPECT_EQ(traces[0].stop, "eos");
  EXPECT_EQ(traces[1].text, "<think>\nThus, it is 3.</think>3");
  EXPECT_NE(traces[0].seed, traces[1].seed);
  const CueProfile p = CueProfileFromJson(a);
  EXPECT_EQ(p.cues.size(), 91u);
  // "Now" (1 occurrence), "So " and "Wait," and "Thus," occur; "Hmm" does not.
  auto find = [&](const std::string& c) {
    for (const CueStat& s : p.cues) {
      if (s.cue == c) return s;
    }
    return CueStat{};
  };
  EXPECT_EQ(find("Now").occurrences, 1);
  EXPECT_EQ(find("Now").tokens, 3);
  EXPECT_EQ(find("So ").tokens, 4);
  EXPECT_EQ(find("Thus,").tokens, 3);
  EXPECT_EQ(find("Hmm").occurrences, 0);
  // Global pool: all reasoning tokens after <think>.
  EXPECT_EQ(p.global_tokens, 18 + 7);
  std::remove(TempPath("a.jsonl").c_str());
  std::remove(TempPath("b.jsonl").c_str());
}

TEST(CalibrationTest, InterruptedTraceGenerationResumesWithoutLosingOrRepeating) {
  const std::vector<std::string> first = {"<think>", "\n", "Now", " we", ".", "</think>", "1", "<eos>"};
  const std::vector<std::string> second = {"<think>", "\n", "Thus", ",", " 3", ".", "</think>", "3", "<eos>"};
  std::vector<std::string> both = first;
  both.insert(both.end(), second.begin(), second.end());
  const std::vector<CalibrationProblem> problems = {{"p0", "one"}, {"p1", "two"}};
  ScriptedModel whole_model("large-test", both);
  const std::vector<Trace> whole = GenerateTraces(whole_model, problems, 1, Sampling{}, 5, 64);

  // The first run stops after one trace (the process is killed while making the second), leaving
  // a torn line behind.
  const std::string partial = TempPath("resume.partial");
  std::remove(partial.c_str());
  ScriptedModel killed_model("large-test", both);
  struct Killed {};
  EXPECT_THROW(GenerateTraces(killed_model, problems, 1, Sampling{}, 5, 64, {}, {},
                              [&](const Trace& t) {
                                if (t.id == "p1") throw Killed{};
                                AppendTrace(t, partial);
                              }),
               Killed);
  { std::ofstream(partial, std::ios::app) << "{\"id\": \"p1\", \"tex"; }

  const std::vector<Trace> done = ResumeTraces(partial);
  ASSERT_EQ(done.size(), 1u);
  ScriptedModel resumed_model("large-test", second);  // only the second trace is generated again
  int appended = 0;
  const std::vector<Trace> resumed = GenerateTraces(resumed_model, problems, 1, Sampling{}, 5, 64, {}, done,
                                                    [&](const Trace& t) { AppendTrace(t, partial); ++appended; });
  EXPECT_EQ(appended, 1);
  ASSERT_EQ(resumed.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(resumed[i].id, whole[i].id);
    EXPECT_EQ(resumed[i].seed, whole[i].seed);
    EXPECT_EQ(resumed[i].text, whole[i].text);
  }
  EXPECT_EQ(LoadTraces(partial).size(), 2u);  // the torn line is gone, nothing is doubled

  // Saved traces of another seed are refused, not mixed in.
  ScriptedModel other("large-test", second);
  EXPECT_THROW(GenerateTraces(other, problems, 1, Sampling{}, 6, 64, {}, done), Error);
}

TEST(CalibrationTest, LoadTracesReportsTheBadLine) {
  const std::string path = TempPath("bad.jsonl");
  {
    std::ofstream out(path);
    out << R"({"id": "a", "problem": "p", "text": "t"})" << "\n" << "{oops\n";
  }
  try {
    LoadTraces(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(CalibrationReportTest, MarkdownListsSelectedCues) {
  CueProfile p;
  p.large = "L";
  p.small = "S";
  p.global_mean = 0.5;
  p.cues = {{"Now", true, 3, 10, 0.7, 0.1, 0.03}, {"So ", false, 1, 2, 0.4, 0.1, 0.07},
            {"Hmm", false, 0, 0, 0, 0, 0}};
  const std::string md = CalibrationMarkdown(p, "relaygen calibrate ...");
  EXPECT_NE(md.find("Selected switch cues: `Now`"), std::string::npos) << md;
  EXPECT_NE(md.find("`So␣`"), std::string::npos);
  EXPECT_LT(md.find("| `Now`"), md.find("| `So␣`"));
  EXPECT_LT(md.find("| `So␣`"), md.find("| `Hmm`"));
}

TEST(CalibrationReportTest, PlotWritesPngAndSvg) {
  CueProfile p;
  p.global_mean = 0.5;
  p.cues = {{"Now", true, 3, 10, 0.7, 0.1, 0.03}, {"So ", false, 1, 2, 0.4, 0.1, 0.07}};
  const std::string dir = ::testing::TempDir();
  std::string error;
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  ASSERT_TRUE(WriteCalibrationPlot(p, dir, &error)) << error;
  EXPECT_GT(ReadAll(dir + "/cue_margins.png").size(), 1000u);
  EXPECT_NE(ReadAll(dir + "/cue_margins.svg").find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace relaygen
