#include "serve/output_stream.h"

#include <gtest/gtest.h>

namespace relaygen {
namespace {

struct Collected {
  std::string reasoning, content;
  std::vector<OutputDelta> deltas;
};

// Feeds `pieces` (all by the large model unless prefixed with "S:") and collects what is sent.
Collected Feed(OutputStream& stream, const std::vector<std::string>& pieces, bool finish = true) {
  Collected c;
  std::vector<OutputDelta> out;
  for (const std::string& p : pieces) {
    const bool small = p.rfind("S:", 0) == 0;
    stream.Add(small ? Writer::kSmall : Writer::kLarge, small ? p.substr(2) : p, &out);
  }
  if (finish) stream.Finish(&out);
  for (const OutputDelta& d : out) (d.reasoning ? c.reasoning : c.content) += d.text;
  c.deltas = out;
  return c;
}

TEST(OutputStream, SplitsReasoningFromTheAnswerAtThinkEnd) {
  OutputStream stream({}, true);
  const Collected c = Feed(stream, {"<think>\nLet", " me think.", "</th", "ink>\n\nThe answer", " is 4."});
  EXPECT_EQ(c.reasoning, "Let me think.");
  EXPECT_EQ(c.content, "The answer is 4.");
  EXPECT_EQ(stream.reasoning(), c.reasoning);
  EXPECT_EQ(stream.content(), c.content);
}

TEST(OutputStream, ReasoningOpenedByThePromptHasNoThinkTag) {
  OutputStream stream({}, true);
  const Collected c = Feed(stream, {"Hmm", ".</think>", "42"});
  EXPECT_EQ(c.reasoning, "Hmm.");
  EXPECT_EQ(c.content, "42");
}

TEST(OutputStream, TextThatMightStartAStopIsHeldBackUntilDecided) {
  OutputStream stream({"STOP"}, false);
  std::vector<OutputDelta> out;
  EXPECT_TRUE(stream.Add(Writer::kLarge, "abc ST", &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "abc ");  // "ST" may begin "STOP"
  out.clear();
  EXPECT_TRUE(stream.Add(Writer::kLarge, "AR", &out));  // "STAR": not a stop
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "STAR");
}

TEST(OutputStream, AStopAcrossPiecesCutsTheTextAndEndsTheStream) {
  OutputStream stream({"\n\nQ:"}, false);
  std::vector<OutputDelta> out;
  EXPECT_TRUE(stream.Add(Writer::kLarge, "answer\n", &out));
  EXPECT_FALSE(stream.Add(Writer::kSmall, "\nQ: next", &out));
  EXPECT_TRUE(stream.stopped());
  std::string all;
  for (const OutputDelta& d : out) all += d.text;
  EXPECT_EQ(all, "answer");
  EXPECT_FALSE(stream.Add(Writer::kLarge, "more", &out));
  stream.Finish(&out);
  EXPECT_EQ(stream.content(), "answer");
}

TEST(OutputStream, TheEarliestOfSeveralStopsWins) {
  OutputStream stream({"world", "lo w"}, false);
  const Collected c = Feed(stream, {"hello world"});
  EXPECT_EQ(c.content, "hel");
}

TEST(OutputStream, AStopInsideTheReasoningEndsEverything) {
  OutputStream stream({"Wait"}, true);
  const Collected c = Feed(stream, {"<think>x Wa", "it y</think>z"});
  EXPECT_EQ(c.reasoning, "x ");
  EXPECT_EQ(c.content, "");
  EXPECT_TRUE(stream.stopped());
}

TEST(OutputStream, DeltasNameTheirWriter) {
  OutputStream stream({}, true);
  const Collected c = Feed(stream, {"<think>L1 ", "S:s1. ", "L2</think>", "S:ans"});
  ASSERT_EQ(c.deltas.size(), 4u);
  EXPECT_EQ(c.deltas[0].writer, Writer::kLarge);
  EXPECT_EQ(c.deltas[1].writer, Writer::kSmall);
  EXPECT_EQ(c.deltas[1].text, "s1. ");
  EXPECT_EQ(c.deltas[2].text, "L2");
  EXPECT_TRUE(c.deltas[2].reasoning);
  EXPECT_FALSE(c.deltas[3].reasoning);
  EXPECT_EQ(c.deltas[3].writer, Writer::kSmall);
}

TEST(OutputStream, CompletionsKeepThinkTagsAsWritten) {
  OutputStream stream({}, false);
  const Collected c = Feed(stream, {"<think>a</think>b"});
  EXPECT_EQ(c.content, "<think>a</think>b");
  EXPECT_EQ(c.reasoning, "");
}

TEST(OutputStream, APartialTagAtTheEndIsSentOnFinish) {
  OutputStream stream({}, true);
  const Collected c = Feed(stream, {"<think>abc</thi"});
  EXPECT_EQ(c.reasoning, "abc</thi");
  OutputStream start({}, true);
  EXPECT_EQ(Feed(start, {"<thi"}).reasoning, "<thi");
}


// Found by output_stream_fuzz: text held back as a possible `<think>` skipped the stop check.
TEST(OutputStream, AStopInTextHeldAsAPossibleThinkTagStillCuts) {
  OutputStream stream({"<"}, true);
  std::vector<OutputDelta> out;
  stream.Add(Writer::kLarge, "<", &out);
  stream.Finish(&out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stream.reasoning(), "");
  EXPECT_TRUE(stream.stopped());
}


// Found by output_stream_fuzz: a stop that begins where `</think>` begins.
TEST(OutputStream, AStopAtThinkEndWinsOverTheTag) {
  OutputStream stream({"<"}, true);
  std::vector<OutputDelta> out;
  stream.Add(Writer::kLarge, "x</think>y", &out);
  stream.Finish(&out);
  EXPECT_EQ(stream.reasoning(), "x");
  EXPECT_EQ(stream.content(), "");
}


// Found by output_stream_fuzz: a stop inside the leading blanks and `<think>` still cuts there.
TEST(OutputStream, AStopInTheLeadingThinkTagCuts) {
  OutputStream stream({"\n"}, true);
  std::vector<OutputDelta> out;
  stream.Add(Writer::kLarge, "\n<think>x", &out);
  stream.Finish(&out);
  EXPECT_EQ(stream.reasoning(), "");
  EXPECT_TRUE(stream.stopped());
}


// Found by output_stream_fuzz: a stop that begins inside `</think>` cuts there.
TEST(OutputStream, AStopInsideThinkEndCutsThere) {
  OutputStream stream({"thi"}, true);
  std::vector<OutputDelta> out;
  stream.Add(Writer::kLarge, "a</th", &out);
  stream.Add(Writer::kLarge, "ink>b", &out);
  stream.Finish(&out);
  EXPECT_EQ(stream.reasoning(), "a</");
  EXPECT_EQ(stream.content(), "");
  EXPECT_TRUE(stream.stopped());
}


// Found by output_stream_fuzz: a longer stop that began earlier may still complete.
TEST(OutputStream, AnEarlierStopThatMayStillCompleteIsWaitedFor) {
  OutputStream stream({"abc", "b"}, false);
  std::vector<OutputDelta> out;
  EXPECT_TRUE(stream.Add(Writer::kLarge, "xab", &out));  // "b" matched, but "abc" may from 1
  EXPECT_FALSE(stream.Add(Writer::kLarge, "c", &out));
  stream.Finish(&out);
  EXPECT_EQ(stream.content(), "x");
}

}  // namespace
}  // namespace relaygen
