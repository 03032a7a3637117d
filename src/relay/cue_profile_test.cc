#include "relay/cue_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "util/error.h"

namespace relaygen {
namespace {

TEST(CueProfileTest, CandidateListIsTheReferences91) {
  const auto& cues = CandidateCues();
  EXPECT_EQ(cues.size(), 91u);
  EXPECT_EQ(std::set<std::string>(cues.begin(), cues.end()).size(), 91u);
  EXPECT_EQ(cues.front(), "Therefore");
  EXPECT_EQ(cues[1], "Therefore,");
  EXPECT_EQ(cues[4], "So,");
  EXPECT_EQ(cues[5], "So ");
  EXPECT_EQ(cues[40], "therefore");
  for (const char* c : {"So ", "so ", "so,", "Specifically,", "specifically", "Any", "any,", "check",
                        "double-check", "verify", "then", "then,", "Then", "Then,", "next", "next,",
                        "Next", "Next,", "Hmm,", "Ah", "Other,"}) {
    EXPECT_NE(std::find(cues.begin(), cues.end(), c), cues.end()) << c;
  }
  for (const char* c : {"So", "so", "Check", "Verify"}) {
    EXPECT_EQ(std::find(cues.begin(), cues.end(), c), cues.end()) << c;
  }
  EXPECT_EQ(cues.back(), "Next,");
}

TEST(CueProfileTest, JsonRoundTripIsByteStable) {
  CueProfile p;
  p.large = "L";
  p.small = "S";
  p.calibration_set = "cal.jsonl";
  p.seed = 7;
  p.samples = 4;
  p.traces = 8;
  p.global_tokens = 100;
  p.global_mean = 0.123456789;
  p.cues = {{"Now", true, 3, 10, 0.5, 0.1, 0.03}, {"So ", false, 0, 0, 0, 0, 0}};
  const std::string json = CueProfileToJson(p);
  const CueProfile q = CueProfileFromJson(json);
  EXPECT_EQ(CueProfileToJson(q), json);
  EXPECT_EQ(q.Selected(), std::vector<std::string>{"Now"});
  EXPECT_EQ(q.cues[1].cue, "So ");
  EXPECT_DOUBLE_EQ(q.global_mean, 0.123456789);
}

TEST(CueProfileTest, AcceptsAPlainCueListAndRejectsJunk) {
  EXPECT_EQ(CueProfileFromJson(R"({"cues": ["Now", "So "]})").Selected(),
            (std::vector<std::string>{"Now", "So "}));
  EXPECT_THROW(CueProfileFromJson("{"), Error);
  EXPECT_THROW(CueProfileFromJson(R"({"cue": []})"), Error);
  EXPECT_THROW(CueProfileFromJson(R"({"cues": [{"cue": "Now"}]})"), Error);  // no "selected"
  EXPECT_THROW(CueProfileFromJson(R"({"cues": ["Now", "Now"]})"), Error);
  EXPECT_THROW(CueProfileFromJson(R"({"cues": [""]})"), Error);
  EXPECT_THROW(LoadCueProfile("/nonexistent/cues.json"), Error);
}

}  // namespace
}  // namespace relaygen
