// The model-independent half of Generate. Stop semantics themselves are StopMatcher's tests; here:
// how the builder streams, cancels, counts the budget and completes a segment.
#include "engine/segment_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace relaygen {
namespace {

const TextCallback kNoCallback;

SegmentRequest Request(int max_tokens, std::vector<Stop> stops = {}) {
  SegmentRequest r;
  r.max_tokens = max_tokens;
  r.stops = std::move(stops);
  return r;
}

// Feeds `pieces` as tokens 1, 2, ... until the builder says stop; returns how many it took.
int Feed(SegmentBuilder* builder, const std::vector<std::string>& pieces) {
  int n = 0;
  for (const std::string& piece : pieces) {
    ++n;
    if (!builder->Add(n, piece, 0.1f * static_cast<float>(n))) return n;
  }
  return n;
}

TEST(SegmentBuilder, StreamsEveryCompleteUtf8PrefixAsSoonAsItExists) {
  std::vector<std::string> calls;
  const TextCallback on_text = [&](std::string_view t) {
    calls.emplace_back(t);
    return true;
  };
  const SegmentRequest request = Request(10);
  SegmentBuilder builder(request, "prompt", on_text);
  // "é" split across two tokens, then a stray byte that is not UTF-8 at all, then ASCII.
  EXPECT_TRUE(builder.Add(1, "ab\xC3", 0));
  EXPECT_TRUE(builder.Add(2, "\xA9", 0));
  EXPECT_TRUE(builder.Add(3, "\xFF", 0));
  EXPECT_TRUE(builder.Add(4, "cd", 0));
  builder.EndOfGeneration();
  const Segment seg = builder.Finish();
  EXPECT_EQ(calls, (std::vector<std::string>{"ab", "\xC3\xA9", "\xFF", "cd"}));
  EXPECT_EQ(seg.text, "ab\xC3\xA9\xFF" "cd");
  EXPECT_EQ(seg.stop_reason, StopReason::kEndOfGeneration);
  EXPECT_EQ(seg.tokens, (std::vector<Token>{1, 2, 3, 4}));
}

TEST(SegmentBuilder, TextBeforeAPossibleStopIsStreamedAndTheStopCutsTheToken) {
  std::string streamed;
  const TextCallback on_text = [&](std::string_view t) {
    streamed += t;
    return true;
  };
  const SegmentRequest request = Request(10, {Stop{"</think>", false, true}});
  SegmentBuilder builder(request, "", on_text);
  EXPECT_EQ(Feed(&builder, {"so </th", "ink>\n\nx", "never"}), 2);
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kStop);
  EXPECT_EQ(seg.stop_index, 0);
  EXPECT_EQ(seg.text, "so </think>");
  EXPECT_EQ(streamed, seg.text);  // the partial match was shown, the stop's token up to the cut
  EXPECT_EQ(seg.tokens.size(), 2u);
}

TEST(SegmentBuilder, FalseFromTheCallbackCancels) {
  int calls = 0;
  const TextCallback on_text = [&](std::string_view) { return ++calls < 2; };
  const SegmentRequest request = Request(10);
  SegmentBuilder builder(request, "", on_text);
  EXPECT_EQ(Feed(&builder, {"a", " b", " c", " d"}), 2);
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kLength);
  EXPECT_FALSE(seg.context_full);
  EXPECT_EQ(seg.text, "a b");
  EXPECT_EQ(calls, 2) << "nothing left to stream after the cancel";
}

TEST(SegmentBuilder, BudgetCountsKeptTokens) {
  const SegmentRequest request = Request(3);
  SegmentBuilder builder(request, "", kNoCallback);
  EXPECT_EQ(Feed(&builder, {"a", " b", " c", " d"}), 3);
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kLength);
  EXPECT_EQ(seg.text, "a b c");
  EXPECT_EQ(seg.tokens.size(), 3u);
}

TEST(SegmentBuilder, EndOfGenerationConfirmsAWordStopWaitingForLookahead) {
  const SegmentRequest request = Request(10, {Stop{"Now", true, false}});
  SegmentBuilder builder(request, "", kNoCallback);
  EXPECT_EQ(Feed(&builder, {"a", " Now"}), 2);
  builder.EndOfGeneration();
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kStop);
  EXPECT_EQ(seg.text, "a Now");
  EXPECT_EQ(seg.tokens.size(), 2u);
}

TEST(SegmentBuilder, LookaheadTokenIsNeitherKeptNorCounted) {
  SegmentRequest request = Request(10, {Stop{"Now", true, false}});
  request.want_margins = true;
  SegmentBuilder builder(request, "", kNoCallback);
  EXPECT_EQ(Feed(&builder, {"a", " Now", ","}), 3);
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kStop);
  EXPECT_EQ(seg.text, "a Now");
  EXPECT_EQ(seg.tokens, (std::vector<Token>{1, 2}));
  ASSERT_EQ(seg.margins.size(), 2u);
  EXPECT_FLOAT_EQ(seg.margins[1], 0.2f);
  EXPECT_FALSE(seg.lookahead_deferred);
}

TEST(SegmentBuilder, DeferredLookaheadFiresAtOnce) {
  SegmentRequest request = Request(10, {Stop{"Now", true, false}});
  request.defer_lookahead = true;
  SegmentBuilder builder(request, "", kNoCallback);
  EXPECT_EQ(Feed(&builder, {"a", " Now", ","}), 2);
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kStop);
  EXPECT_TRUE(seg.lookahead_deferred);
  EXPECT_EQ(seg.text, "a Now");
  EXPECT_EQ(seg.tokens.size(), 2u);
}

TEST(SegmentBuilder, ContextFullEndsWithWhatWasWritten) {
  const SegmentRequest request = Request(10);
  SegmentBuilder builder(request, "", kNoCallback);
  Feed(&builder, {"a", " b"});
  builder.ContextFull();
  const Segment seg = builder.Finish();
  EXPECT_EQ(seg.stop_reason, StopReason::kLength);
  EXPECT_TRUE(seg.context_full);
  EXPECT_EQ(seg.text, "a b");
}

TEST(SegmentBuilder, InvalidRequestsAreErrors) {
  EXPECT_THROW(SegmentBuilder(Request(0), "", kNoCallback), Error);
  EXPECT_THROW(SegmentBuilder(Request(5, {Stop{"", false, false}}), "", kNoCallback), Error);
}

}  // namespace
}  // namespace relaygen
