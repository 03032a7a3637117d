// Online calibration's statistics without a model: the tally of read-along traces against
// calibration's own statistics, what counts as measured, the file, and the drift alarm.
#include "relay/online_tally.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "relay/calibration.h"
#include "relay/calibration_report.h"
#include "relay/online_stats.h"
#include "util/durable_lines.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

using Tokens = std::vector<std::pair<std::string, float>>;

ReadAlongTrace AllRead(const Tokens& tokens) {
  ReadAlongTrace t;
  for (const auto& [p, m] : tokens) {
    t.pieces.push_back(p);
    t.margins.push_back(m);
    t.measured.push_back(1);
  }
  return t;
}

ScoredTrace Offline(const Tokens& tokens) {
  ScoredTrace t;
  for (const auto& [p, m] : tokens) {
    t.pieces.push_back(p);
    t.margins.push_back(m);
  }
  return t;
}

const Tokens kOne = {{"Thus", 0.2f}, {",", 0.2f}, {" it", 0.9f}, {" is", 1.0f}, {".", 0.5f}, {" So", 0.3f},
                     {" the", 0.8f}, {" sum", 0.1f}, {"\n", 0.4f}, {"Now", 0.6f}, {" Thus", 0.7f},
                     {" so", 0.9f}, {".", 0.5f}, {" Then", 0.5f}, {".", 0.2f}};
const Tokens kTwo = {{"Wait", 0.2f}, {",", 0.1f}, {" no", 0.1f}, {" Thus", 0.3f}, {",", 0.5f}, {" x", 0.6f}};

void ExpectSameProfile(const CueProfile& offline, const CueProfile& online) {
  EXPECT_EQ(offline.global_tokens, online.global_tokens);
  EXPECT_NEAR(offline.global_mean, online.global_mean, 1e-9);
  ASSERT_EQ(offline.cues.size(), online.cues.size());
  for (size_t i = 0; i < offline.cues.size(); ++i) {
    const CueStat& a = offline.cues[i];
    const CueStat& b = online.cues[i];
    EXPECT_EQ(a.cue, b.cue);
    EXPECT_EQ(a.occurrences, b.occurrences) << a.cue;
    EXPECT_EQ(a.tokens, b.tokens) << a.cue;
    EXPECT_EQ(a.regions, b.regions) << a.cue;
    EXPECT_NEAR(a.mean, b.mean, 1e-9) << a.cue;
    EXPECT_NEAR(a.std, b.std, 1e-6) << a.cue;
    EXPECT_NEAR(a.se, b.se, 1e-6) << a.cue;
    EXPECT_EQ(a.selected, b.selected) << a.cue;
  }
}

TEST(OnlineTallyTest, FullyReadTracesGiveCalibrationsStatistics) {
  for (const char* rule : {"mean", "min"}) {
    CalibrationOptions o;
    o.rule = SelectionRule::Parse(rule);
    const CueProfile offline = ComputeCueProfile({Offline(kOne), Offline(kTwo)}, o);
    // Tallied per run and merged, as the file is.
    OnlineTally tally = TallyTrace(AllRead(kOne), CueMatch::kWordBoundary, CandidateCues());
    tally.Merge(TallyTrace(AllRead(kTwo), CueMatch::kWordBoundary, CandidateCues()));
    EXPECT_EQ(tally.requests, 2);
    ExpectSameProfile(offline, ProfileFromTally(tally, o.rule, 1));
  }
}

TEST(OnlineTallyTest, ARegionCountsOnlyWhenAllOfItWasRead) {
  ReadAlongTrace t = AllRead(kOne);
  const OnlineTally all = TallyTrace(t, CueMatch::kWordBoundary, {"Thus,", "Thus", "Now"});
  ASSERT_EQ(all.cues.count("Thus,"), 1u);
  EXPECT_EQ(all.cues.at("Thus,").occurrences, 1);
  EXPECT_EQ(all.cues.at("Thus,").tokens.n, 2);
  t.measured[3] = 0;  // " is": inside the region of "Thus,"
  const OnlineTally holed = TallyTrace(t, CueMatch::kWordBoundary, {"Thus,", "Thus", "Now"});
  EXPECT_EQ(holed.cues.count("Thus,"), 0u);  // not part of it: the region is left out
  EXPECT_EQ(holed.global.n, all.global.n - 1);
  // "Now" (region " Thus so") is untouched.
  EXPECT_EQ(holed.cues.at("Now").occurrences, 1);
  EXPECT_EQ(holed.cues.at("Now").tokens.n, 2);
  // An empty region ("Then" followed by ".") counts when the token ending it was read.
  const OnlineTally then = TallyTrace(AllRead(kOne), CueMatch::kWordBoundary, {"Then"});
  EXPECT_EQ(then.cues.at("Then").occurrences, 1);
  EXPECT_EQ(then.cues.at("Then").tokens.n, 0);
}

PolicyResult RunOf(const std::string& text, std::vector<SegmentRecord> segments) {
  PolicyResult r;
  r.text = text;
  r.segments = std::move(segments);
  return r;
}

SegmentRecord Seg(Writer w, const std::string& text, bool answer = false) {
  SegmentRecord s;
  s.writer = w;
  s.text = text;
  s.answer = answer;
  return s;
}

TEST(OnlineTallyTest, ReadAlongOfKeepsTheLargeModelsReasoningThatTheSmallModelRead) {
  const std::string prompt = "P:";
  const std::string text = "<think>\nThus, it is. So the 7.\n</think>ok";
  PolicyResult r = RunOf(text, {Seg(Writer::kLarge, "<think>\nThus, it is. So"), Seg(Writer::kSmall, " the 7."),
                              Seg(Writer::kLarge, "\n</think>"), Seg(Writer::kSmall, "ok", true)});
  auto at = [&](const std::string& piece, size_t from = 0) { return prompt.size() + text.find(piece, from); };
  r.read_along = {{0, "P:", 0.9f},                       // the prompt: not reasoning
                  {at("<think>"), "<think>", 0.9f},      // the marker: not reasoning
                  {at("\n"), "\n", 0.5f},
                  {at("Thus"), "Thus", 0.1f},
                  {at(","), ",", 0.2f},
                  {at(" it"), " it", 0.3f},
                  {at(" is"), " is", 0.4f},
                  {at(" is"), " is", 0.45f},             // read again: the last reading counts
                  {at(". So"), ".", 0.5f},
                  {at(" So"), " So", 0.6f},
                  {at(" the"), " the", 0.7f},            // the small model's text
                  {at(" 7"), " 9", 0.7f},                // not what the text says
                  {at("\n</"), "\n", 0.8f},
                  {at("ok"), "ok", 0.9f}};               // the answer
  const ReadAlongTrace t = ReadAlongOf(prompt.size(), r);
  std::string joined, measured;
  for (size_t i = 0; i < t.pieces.size(); ++i) {
    joined += t.pieces[i];
    if (t.measured[i]) measured += "[" + t.pieces[i] + "]";
  }
  EXPECT_EQ(joined, "\nThus, it is. So the 7.\n");
  EXPECT_EQ(measured, "[\n][Thus][,][ it][ is][.][ So][\n]");
  EXPECT_EQ(t.read_tokens, 14);
  const OnlineTally tally = TallyTrace(t, CueMatch::kWordBoundary, {"Thus,"});
  EXPECT_NEAR(tally.cues.at("Thus,").tokens.Mean(), (0.3 + 0.45) / 2, 1e-6);
}

TEST(OnlineTallyTest, ExploredRegionsAreRecorded) {
  const std::string text = "<think>\nThus, it is.\n";
  PolicyResult r = RunOf(text, {Seg(Writer::kLarge, text)});
  size_t at = 0;
  for (const std::string p : {"<think>", "\n", "Thus", ",", " it", " is", ".\n"}) {
    r.read_along.push_back({at, p, 0.5f});
    at += std::string(p).size();
  }
  r.explored = {text.find(",") + 1};
  const OnlineTally tally = TallyTrace(ReadAlongOf(0, r), CueMatch::kWordBoundary, {"Thus,", "Thus"});
  EXPECT_EQ(tally.cues.at("Thus,").explored, 1);
  EXPECT_EQ(tally.cues.at("Thus").explored, 0);  // ends elsewhere
}

TEST(OnlineTallyTest, JsonRoundTripAndMerging) {
  OnlineTally t = TallyTrace(AllRead(kOne), CueMatch::kWordBoundary, CandidateCues());
  const OnlineTally back = OnlineTallyFromJson(nlohmann::json::parse(OnlineTallyToJson(t).dump()), "x");
  EXPECT_EQ(OnlineTallyToJson(back).dump(), OnlineTallyToJson(t).dump());
  OnlineTally other = t;
  other.match = "substring";
  EXPECT_THROW(t.Merge(other), Error);
  EXPECT_THROW(OnlineTallyFromJson(nlohmann::json::parse(R"({"requests":1})"), "x"), Error);
  EXPECT_THROW(ProfileFromTally(t, SelectionRule::Parse("quantile:0.25"), 1), Error);
}

// A profile whose cue `cue` has live statistic `mean` ± `se` over `n` values, against μ = 0.8.
CueProfile Live(const std::string& rule, double mean, double se, int n) {
  CueProfile p;
  p.rule = rule;
  p.global_mean = 0.8;
  CueStat s;
  s.cue = "Thus";
  s.mean = mean;
  s.se = se;
  s.tokens = rule == "mean" ? n : 3 * n;
  s.regions = rule == "mean" ? n / 3 : n;
  p.cues.push_back(s);
  return p;
}

TEST(OnlineTallyTest, DriftNeedsSamplesAndConfidence) {
  const std::vector<std::string> selected = {"Thus"};
  // 0.7 + 1.645 * 0.02 = 0.733 < 0.82: drifted, with 30 regions.
  EXPECT_EQ(FindDrift(Live("min", 0.7, 0.02, 30), selected).size(), 1u);
  EXPECT_TRUE(FindDrift(Live("min", 0.7, 0.02, 29), selected).empty());   // too few regions
  EXPECT_TRUE(FindDrift(Live("min", 0.79, 0.02, 30), selected).empty());  // 0.823 >= 0.82: not sure
  EXPECT_TRUE(FindDrift(Live("min", 0.7, 0.02, 30), {"Now"}).empty());     // not selected
  // The mean rule counts tokens.
  EXPECT_EQ(FindDrift(Live("mean", 0.7, 0.02, 30), selected).size(), 1u);
  EXPECT_TRUE(FindDrift(Live("mean", 0.7, 0.02, 29), selected).empty());
  const DriftAlarm a = FindDrift(Live("min", 0.7, 0.02, 30), selected)[0];
  EXPECT_NEAR(a.threshold, 0.82, 1e-12);
  EXPECT_NE(DriftWarning(a).find("\"Thus\" drifted"), std::string::npos);
}

CueProfile MinProfile(const std::vector<std::string>& selected) {
  CueProfile p;
  p.rule = "min";
  for (const std::string& c : CandidateCues()) {
    CueStat s;
    s.cue = c;
    s.selected = std::find(selected.begin(), selected.end(), c) != selected.end();
    p.cues.push_back(s);
  }
  return p;
}

// A run whose reasoning is `sentences` times "Thus, x y." with the region margins given.
PolicyResult ThusRun(int sentences, float margin) {
  PolicyResult r;
  r.text = "<think>\n";
  r.read_along.push_back({0, "<think>", 0.5f});
  r.read_along.push_back({7, "\n", 0.9f});
  for (int i = 0; i < sentences; ++i) {
    for (const auto& [p, m] : Tokens{{"Thus", 0.9f}, {",", 0.9f}, {" x", margin}, {" y", margin}, {".\n", 0.9f}}) {
      r.read_along.push_back({r.text.size(), p, m});
      r.text += p;
    }
  }
  r.segments.push_back(Seg(Writer::kLarge, r.text));
  return r;
}

TEST(OnlineStatsTest, AppendsDurablyMergesFilesAndRaisesTheAlarmOnce) {
  const std::string path = TestDataPath("online_stats_test.jsonl");
  const std::string other = TestDataPath("online_stats_test_2.jsonl");
  std::remove(path.c_str());
  std::remove(other.c_str());
  {
    OnlineStats stats(path, MinProfile({"Thus,"}), 0.05);
    // Ten runs of three regions: the alarm needs 30 regions.
    for (int i = 0; i < 10; ++i) {
      const OnlineUpdate u = stats.Add("", ThusRun(3, 0.2f), "relay");
      EXPECT_EQ(u.run.cues.at("Thus,").occurrences, 3);
      EXPECT_EQ(u.new_alarms.size(), i == 9 ? 1u : 0u) << i;
    }
    EXPECT_EQ(stats.Total().requests, 10);
    EXPECT_THROW(OnlineStats(path, MinProfile({}), 0), Error);  // locked by the first
  }
  // A torn last line (a killed writer) is ignored by readers and cut by the next writer.
  { std::ofstream(path, std::ios::app) << "{\"v\":1,\"requ"; }
  EXPECT_EQ(ReadOnlineStats({path}).requests, 10);
  {
    OnlineStats stats(path, MinProfile({"Thus,"}), 0.05);
    EXPECT_EQ(stats.Total().requests, 10);  // what the file held counts
    const OnlineUpdate u = stats.Add("", ThusRun(1, 0.2f), "relay");
    EXPECT_EQ(u.alarms.size(), 1u);
    EXPECT_EQ(u.new_alarms.size(), 1u);  // a new process reports it again, once
  }
  {
    OnlineStats stats(other, MinProfile({"Thus,"}), 0.05);
    stats.Add("", ThusRun(2, 0.7f), "relay");
  }
  const OnlineTally merged = ReadOnlineStats({path, other});
  EXPECT_EQ(merged.requests, 12);
  EXPECT_EQ(merged.cues.at("Thus,").occurrences, 10 * 3 + 1 + 2);
  // The merged tally equals the tally of all runs at once.
  OnlineTally direct;
  for (int i = 0; i < 11; ++i) direct.Merge(TallyTrace(ReadAlongOf(0, ThusRun(i < 10 ? 3 : 1, 0.2f)), CueMatch::kWordBoundary, CandidateCues()));
  direct.Merge(TallyTrace(ReadAlongOf(0, ThusRun(2, 0.7f)), CueMatch::kWordBoundary, CandidateCues()));
  EXPECT_EQ(OnlineTallyToJson(direct).dump(), OnlineTallyToJson(merged).dump());
  { std::ofstream(other, std::ios::app) << "{\"v\":1}\n"; }
  EXPECT_THROW(ReadOnlineStats({path, other}), Error);
}

// A request key counts once per file: the collector adds nothing for a key its file holds (also
// after a restart), and a reader skips a repeated key; the same key in two files counts twice.
TEST(OnlineStatsTest, ARequestKeyCountsOncePerFile) {
  const std::string path = TestDataPath("online_stats_keys.jsonl");
  const std::string other = TestDataPath("online_stats_keys_2.jsonl");
  std::remove(path.c_str());
  std::remove(other.c_str());
  {
    OnlineStats stats(path, MinProfile({"Thus,"}), 0.05);
    EXPECT_FALSE(stats.Add("", ThusRun(1, 0.2f), "relay", "run#a").repeated);
    EXPECT_TRUE(stats.Add("", ThusRun(1, 0.2f), "relay", "run#a").repeated);
    EXPECT_FALSE(stats.Add("", ThusRun(1, 0.2f), "relay").repeated);  // no key: always counted
    EXPECT_FALSE(stats.Add("", ThusRun(1, 0.2f), "relay").repeated);
    EXPECT_EQ(stats.Total().requests, 3);
  }
  {
    OnlineStats stats(path, MinProfile({"Thus,"}), 0.05);
    EXPECT_TRUE(stats.Add("", ThusRun(1, 0.2f), "relay", "run#a").repeated);
    EXPECT_EQ(stats.Total().requests, 3);
  }
  EXPECT_EQ(ReadOnlineStats({path}).requests, 3);
  // A file written by hand (or by an older relaygen) with a repeated key.
  const std::string first_line = ReadCompleteLines(path).front();
  { std::ofstream(other) << first_line << "\n" << first_line << "\n"; }
  EXPECT_EQ(ReadOnlineStats({other}).requests, 1);
  EXPECT_EQ(ReadOnlineStats({path, other}).requests, 4);
}

TEST(OnlineTallyTest, DiffListsAddedAndDroppedCuesWithTheirNumbers) {
  CueProfile before = MinProfile({"Thus,", "Now"});
  CueProfile now = MinProfile({"Next,"});
  for (CueStat& c : now.cues) {
    if (c.cue == "Next,") {
      c.mean = 0.97;
      c.se = 0.01;
      c.regions = 40;
    }
    if (c.cue == "Thus,") {
      c.mean = 0.5;
      c.regions = 31;
    }
  }
  const std::string diff = CueProfileDiff(before, now);
  EXPECT_NE(diff.find("+ `Next,`  now: mu_c 0.9700 SE_c 0.0100 n 40"), std::string::npos) << diff;
  EXPECT_NE(diff.find("- `Thus,`  now: mu_c 0.5000 SE_c 0.0000 n 31"), std::string::npos) << diff;
  EXPECT_NE(diff.find("- `Now`  now: not measured"), std::string::npos) << diff;
  EXPECT_NE(diff.find("= 0 selected cues kept"), std::string::npos) << diff;
}

}  // namespace
}  // namespace relaygen
