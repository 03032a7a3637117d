#include "relay/prefill_ahead.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "util/error.h"

namespace relaygen {
namespace {

TEST(SafeSplitPoint, EndsRightBeforeASpaceThatFollowsANonSpace) {
  EXPECT_EQ(SafeSplitPoint(""), 0u);
  EXPECT_EQ(SafeSplitPoint("word"), 0u);
  EXPECT_EQ(SafeSplitPoint(" word"), 0u);  // nothing before the space
  EXPECT_EQ(SafeSplitPoint("one two"), 3u);
  EXPECT_EQ(SafeSplitPoint("one two three"), 7u);
  EXPECT_EQ(SafeSplitPoint("one two "), 7u);    // a trailing space after a word splits too
  EXPECT_EQ(SafeSplitPoint("one  two"), 3u);    // only the first space of a run
  EXPECT_EQ(SafeSplitPoint("one.\n two"), 0u);  // a space after a newline is not a split point
  EXPECT_EQ(SafeSplitPoint("one.\nSo"), 5u);     // a non-space after a newline is
  EXPECT_EQ(SafeSplitPoint("one.\n\nSo"), 6u);
  EXPECT_EQ(SafeSplitPoint("one.\n"), 0u);       // the newline may still join more newlines
  EXPECT_EQ(SafeSplitPoint("12 + 34 = 46."), 9u);
}

// Records every Prefill; optionally slow, optionally failing.
class PrefillLog : public Session {
 public:
  Segment Generate(const std::string&, const SegmentRequest&, const TextCallback&) override {
    throw Error("not used");
  }
  ScoreResult Score(const std::string&, const std::string&) override { throw Error("not used"); }
  int CountTokens(const std::string& text) const override { return static_cast<int>(text.size()); }

  PrefillResult Prefill(const std::string& text) override {
    attempts++;
    in_flight++;
    EXPECT_EQ(in_flight.load(), 1) << "two prefills at once";
    std::this_thread::sleep_for(delay);
    if (fail) {
      in_flight--;
      throw ContextOverflow("context full");
    }
    if (broken) {
      in_flight--;
      throw Error("llama_decode failed (code -3)");
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      texts.push_back(text);
    }
    in_flight--;
    return {static_cast<int>(text.size()), 1.0};
  }

  LookaheadResult ContinuesWord(const std::string& transcript, const Sampling&) override {
    std::this_thread::sleep_for(delay);
    if (broken) throw Error("llama_decode failed (code -3)");
    std::lock_guard<std::mutex> lock(mu);
    checked.push_back(transcript);
    return {continues, 1, 1.0};
  }
  bool continues = false;
  std::vector<std::string> checked;

  std::vector<std::string> Texts() {
    std::lock_guard<std::mutex> lock(mu);
    return texts;
  }
  // Waits (up to 5 s) until the last prefilled text is `want`.
  bool WaitFor(const std::string& want) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!texts.empty() && texts.back() == want) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::chrono::milliseconds delay{0};
  std::atomic<bool> fail{false};    // Prefill throws ContextOverflow (the window is full)
  std::atomic<bool> broken{false};  // Prefill and ContinuesWord throw Error (the engine failed)
  std::atomic<int> in_flight{0};
  std::atomic<int> attempts{0};  // Prefill calls, failed ones included

 private:
  std::mutex mu;
  std::vector<std::string> texts;
};

// Waits (up to 5 s) until `done` holds.
bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST(PrefillAhead, PrefillsGrowingPrefixesThatEndAtSplitPoints) {
  PrefillLog session;
  PrefillAhead ahead;
  const std::string prompt = "<|im_start|>user\nAnn has 45 apples.<|im_end|>\n<think>\n";
  ahead.Follow(&session, prompt);
  std::string transcript = prompt;
  for (const char* piece : {"Okay", ",", " so", " Ann", " has", " 45", " apples", ".", " Then"}) {
    ahead.Append(piece);
    transcript += piece;
  }
  const std::string want = transcript.substr(0, SafeSplitPoint(transcript));
  EXPECT_EQ(want, prompt + "Okay, so Ann has 45 apples.");
  ASSERT_TRUE(session.WaitFor(want));
  const PrefillAheadStats stats = ahead.Pause();

  const std::vector<std::string> texts = session.Texts();
  int total = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(transcript.compare(0, texts[i].size(), texts[i]), 0) << texts[i];
    EXPECT_EQ(SafeSplitPoint(transcript.substr(0, texts[i].size() + 1)), texts[i].size())
        << "ends at a split point: " << texts[i];
    if (i > 0) {
      EXPECT_GT(texts[i].size(), texts[i - 1].size());
    }
    total += static_cast<int>(texts[i].size());
  }
  EXPECT_EQ(stats.tokens, total);
  EXPECT_EQ(ahead.Pause().tokens, 0) << "stats restart at each Pause";
}

TEST(PrefillAhead, NeverPrefillsTheUnfinishedEnd) {
  // The end of the text so far may still merge with what comes next ("." then "\n\n").
  PrefillLog session;
  PrefillAhead ahead;
  ahead.Follow(&session, "prompt");
  ahead.Append("12.");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ahead.Pause();
  EXPECT_TRUE(session.Texts().empty());
  // Positive control: the same wait is long enough for a prefill that is due.
  ahead.Follow(&session, "prompt");
  ahead.Append(" 12.");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ahead.Pause();
  EXPECT_EQ(session.Texts(), std::vector<std::string>{"prompt"});
}

TEST(PrefillAhead, PauseWaitsForThePrefillInFlightAndStopsFollowing) {
  PrefillLog session;
  session.delay = std::chrono::milliseconds(100);
  PrefillAhead ahead;
  ahead.Follow(&session, "a b");
  ASSERT_TRUE(WaitUntil([&] { return session.in_flight.load() == 1; }));  // the worker is inside Prefill
  ahead.Pause();
  EXPECT_EQ(session.in_flight.load(), 0);
  EXPECT_EQ(session.Texts(), std::vector<std::string>{"a"}) << "the prefill in flight completed";
  ahead.Append(" c d e");  // not following: ignored
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(session.Texts().size(), 1u);
  // Positive control: while following, the same append and wait do reach the session.
  session.delay = std::chrono::milliseconds(0);
  ahead.Follow(&session, "a b");
  ahead.Append(" c d e");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ahead.Pause();
  EXPECT_EQ(session.Texts().back(), "a b c d");
}

TEST(PrefillAhead, AFullWindowStopsFollowingQuietly) {
  PrefillLog session;
  session.fail = true;
  PrefillAhead ahead;
  ahead.Follow(&session, "a b");
  ASSERT_TRUE(WaitUntil([&] { return session.attempts.load() == 1; }));
  ahead.Append(" c d");  // following has stopped: no second attempt
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(ahead.Pause().tokens, 0);  // no error: the writer's Generate reports a full window
  EXPECT_EQ(session.attempts.load(), 1);
  session.fail = false;
  ahead.Follow(&session, "x y");  // a new Follow tries again
  EXPECT_TRUE(session.WaitFor("x"));
  ahead.Pause();
}

TEST(PrefillAhead, AnEngineFailureInTheBackgroundSurfacesAtPause) {
  PrefillLog session;
  session.broken = true;
  PrefillAhead ahead;
  ahead.Follow(&session, "a b");
  ASSERT_TRUE(WaitUntil([&] { return session.attempts.load() == 1; }));
  ahead.Append(" c d");  // following has stopped: no second failure
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(session.attempts.load(), 1);
  try {
    ahead.Pause();
    FAIL() << "the background error was swallowed";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "llama_decode failed (code -3)");
  }
  EXPECT_EQ(ahead.Pause().tokens, 0) << "reported once";
  session.broken = false;
  ahead.Follow(&session, "x y");  // the next run can use the ahead again
  EXPECT_TRUE(session.WaitFor("x"));
  EXPECT_NO_THROW(ahead.Pause());
}

TEST(PrefillAhead, AFailedLookaheadKeepsTheCueAndSurfacesAtPause) {
  PrefillLog session;
  session.broken = true;
  session.continues = true;
  PrefillAhead ahead;
  ahead.FollowAfterLookahead(&session, "a b c Now", Sampling{});
  EXPECT_EQ(ahead.LookaheadAnswer(true), PrefillAhead::Answer::kEndsWord);
  EXPECT_THROW(ahead.Pause(), Error);
}

TEST(PrefillAhead, LookaheadRunsFirstOnTheTextAsHandedOver) {
  for (bool continues : {false, true}) {
    PrefillLog session;
    session.delay = std::chrono::milliseconds(30);
    session.continues = continues;
    PrefillAhead ahead;
    ahead.FollowAfterLookahead(&session, "a b c Now", Sampling{});
    ahead.Append(" we add");  // the other model writes meanwhile
    EXPECT_EQ(ahead.LookaheadAnswer(false), PrefillAhead::Answer::kUnknown);
    EXPECT_EQ(ahead.LookaheadAnswer(true), continues ? PrefillAhead::Answer::kContinuesWord
                                                       : PrefillAhead::Answer::kEndsWord);
    ASSERT_TRUE(session.WaitFor("a b c Now we"));  // then it prefills ahead, to the last split point
    const PrefillAheadStats stats = ahead.Pause();
    EXPECT_EQ(stats.lookaheads, 1);
    ASSERT_EQ(session.checked.size(), 1u);
    EXPECT_EQ(session.checked[0], "a b c Now");
  }
}

TEST(PrefillAhead, PauseRightAfterALookaheadRequestNeverHangs) {
  // Pause either cancels the check (not started yet) or waits for it; the answer is then settled.
  PrefillLog session;
  session.delay = std::chrono::milliseconds(50);
  session.continues = true;
  PrefillAhead ahead;
  ahead.FollowAfterLookahead(&session, "a b c d", Sampling{});
  ahead.Pause();
  const PrefillAhead::Answer answer = ahead.LookaheadAnswer(true);
  EXPECT_NE(answer, PrefillAhead::Answer::kUnknown);
  EXPECT_EQ(answer == PrefillAhead::Answer::kContinuesWord, session.checked.size() == 1u);
}

TEST(PrefillAhead, ServesOneSessionAtATime) {
  // A relay has one ahead: it reads into whichever model is not writing.
  PrefillLog large, small;
  PrefillAhead ahead;
  ahead.Follow(&small, "the large model writes");
  ASSERT_TRUE(small.WaitFor("the large model"));
  ahead.Pause();
  ahead.Follow(&large, "the large model writes. Then the small");
  ASSERT_TRUE(large.WaitFor("the large model writes. Then the"));
  ahead.Append(" one writes");
  ASSERT_TRUE(large.WaitFor("the large model writes. Then the small one"));
  ahead.Pause();
  EXPECT_EQ(small.Texts().back(), "the large model") << "nothing more after its Pause";
  EXPECT_THROW(ahead.Follow(nullptr, "x"), Error);
}

TEST(PrefillAhead, FollowNeedsAPause) {
  PrefillLog a, b;
  PrefillAhead ahead;
  ahead.Follow(&a, "one two");
  EXPECT_THROW(ahead.Follow(&b, "one two"), Error) << "two sessions would share the worker";
  ahead.Pause();
  EXPECT_EQ(ahead.Pause().tokens, 0) << "pausing a paused ahead is harmless";
}

TEST(PrefillAhead, DestructorJoinsWithWorkInFlight) {
  PrefillLog session;
  session.delay = std::chrono::milliseconds(50);
  {
    PrefillAhead ahead;
    ahead.Follow(&session, "a b c");
    ASSERT_TRUE(WaitUntil([&] { return session.in_flight.load() == 1; }));  // work in flight
  }
  EXPECT_EQ(session.in_flight.load(), 0);
  EXPECT_EQ(session.Texts(), std::vector<std::string>{"a b"}) << "the prefill in flight completed";
}

}  // namespace
}  // namespace relaygen
