#include "relay/relay_controller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "relay/policy_test_util.h"
#include "relay/scripted_session.h"
#include "util/error.h"

namespace relaygen {
namespace {

const std::string kPrompt = "<|user|>q\n<|assistant|>\n";

struct Streamed {
  std::string text;
  std::string large_text;
  std::string small_text;
};

PolicyResult RunRelay(ScriptedSession& large, ScriptedSession& small, int max_tokens,
                      RelayOptions options, Streamed* streamed = nullptr) {
  RelayController relay(&large, &small, std::move(options));
  auto on_text = [streamed](Writer w, std::string_view t) {
    if (streamed == nullptr) return;
    streamed->text += t;
    (w == Writer::kLarge ? streamed->large_text : streamed->small_text) += t;
  };
  PolicyResult r = relay.Run(kPrompt, Sampling{}, max_tokens, on_text);
  ExpectRunInvariants(r);
  if (streamed != nullptr) {
    EXPECT_EQ(streamed->text, r.text);
  }
  return r;
}

RelayOptions Cues(std::vector<std::string> cues) {
  RelayOptions o;
  o.cues = std::move(cues);
  return o;
}

TEST(RelayControllerTest, CueInLargeHandsTheSentenceToSmall) {
  ScriptedSession large({"<think>\n", "We", " have", " 3", " apples", ".", " Now", " X", " we",
                         " are", " done", ".", "</think>", "<eos>"});
  ScriptedSession small({" we", " add", " 2", ".", "\n\n", "5", "<eos>"});
  Streamed streamed;
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now", "Thus"}), &streamed);

  ASSERT_EQ(r.segments.size(), 4u);
  EXPECT_EQ(r.segments[0].writer, Writer::kLarge);
  EXPECT_EQ(r.segments[0].text, "<think>\nWe have 3 apples. Now");
  EXPECT_EQ(r.segments[0].ended_by, "cue:Now");
  EXPECT_EQ(r.segments[0].tokens, 7);  // the lookahead token " X" confirmed the cue and was dropped
  EXPECT_EQ(r.segments[1].writer, Writer::kSmall);
  // The sentence's "." is backed off: the large model re-writes it as the start of its own token.
  EXPECT_EQ(r.segments[1].text, " we add 2");
  EXPECT_EQ(r.segments[1].ended_by, "sentence");
  EXPECT_EQ(r.segments[2].writer, Writer::kLarge);
  EXPECT_EQ(r.segments[2].text, ". X we are done.</think>");
  EXPECT_EQ(r.segments[2].ended_by, "</think>");
  EXPECT_FALSE(r.segments[2].answer);
  EXPECT_EQ(r.segments[3].writer, Writer::kSmall);
  EXPECT_TRUE(r.segments[3].answer);
  EXPECT_EQ(r.segments[3].text, "\n\n5");
  EXPECT_EQ(r.segments[3].ended_by, "eos");
  EXPECT_EQ(AnswerText(r), "\n\n5");

  EXPECT_EQ(r.stats.switches_l_to_s, 1);
  EXPECT_EQ(r.stats.switches_s_to_l, 1);
  EXPECT_EQ(r.stats.large_tokens, 7 + 7);
  EXPECT_EQ(r.stats.small_tokens, 4 + 2);
  EXPECT_DOUBLE_EQ(r.stats.large_utilization, 14.0 / 20.0);
  EXPECT_EQ(streamed.large_text, "<think>\nWe have 3 apples. Now. X we are done.</think>");
  EXPECT_EQ(streamed.small_text, " we add 2\n\n5");

  // Each model continues the shared transcript; L turns require 5 tokens before a cue.
  ASSERT_EQ(large.calls().size(), 2u);
  EXPECT_EQ(large.calls()[0].transcript, kPrompt);
  EXPECT_EQ(large.calls()[0].request.min_tokens, 5);
  EXPECT_EQ(large.calls()[0].request.max_tokens, 100);
  EXPECT_EQ(large.calls()[1].transcript, kPrompt + "<think>\nWe have 3 apples. Now we add 2");
  EXPECT_EQ(large.calls()[1].request.first_token_prefix, ".");
  EXPECT_EQ(large.calls()[1].request.max_tokens, 100 - 7 - 4);
  ASSERT_EQ(small.calls().size(), 2u);
  EXPECT_EQ(small.calls()[0].transcript, kPrompt + "<think>\nWe have 3 apples. Now");
  EXPECT_EQ(small.calls()[0].request.min_tokens, 0);
  EXPECT_TRUE(small.calls()[0].request.first_token_prefix.empty());
  EXPECT_TRUE(small.calls()[1].request.stops.empty());  // the answer runs to its end
}

TEST(RelayControllerTest, StopsOfEachMode) {
  RelayOptions o = Cues({"Now", "So "});
  const std::vector<Stop> l = LargeModeStops(o);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].text, "Now");
  EXPECT_TRUE(l[0].word_boundary);
  EXPECT_FALSE(l[0].immediate);
  EXPECT_EQ(l[2].text, "</think>");
  EXPECT_TRUE(l[2].immediate);
  o.match = CueMatch::kSubstring;
  EXPECT_FALSE(LargeModeStops(o)[0].word_boundary);
  const std::vector<Stop> s = SmallModeStops();
  std::vector<std::string> texts;
  for (const Stop& stop : s) texts.push_back(stop.text);
  EXPECT_EQ(texts, (std::vector<std::string>{".", "!", "?", "\n\n", "</think>"}));
  EXPECT_TRUE(s.back().immediate);
}

TEST(RelayControllerTest, CueWithinFirstFiveLargeTokensIsIgnored) {
  ScriptedSession large({"Now", " we", " see", " it", ",", " Thus", " it", " holds", "</think>", "<eos>"});
  ScriptedSession small({" it", " is", " 4", ".", "A", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now", "Thus"}));
  ASSERT_GE(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].text, "Now we see it, Thus");
  EXPECT_EQ(r.segments[0].ended_by, "cue:Thus");
  EXPECT_EQ(r.segments[1].text, " it is 4");
}

TEST(RelayControllerTest, EverySentenceEndReturnsToLarge) {
  for (const std::string end : {"!", "?", "\n\n"}) {
    ScriptedSession large({"a", " b", " c", " d", " e", " Thus,", " f", "</think>", "<eos>"});
    ScriptedSession small({" g", end, " h", "<eos>"});
    const PolicyResult r = RunRelay(large, small, 100, Cues({"Thus,"}));
    ASSERT_GE(r.segments.size(), 3u) << end;
    EXPECT_EQ(r.segments[0].text, "a b c d e Thus,");
    // Punctuation is handed back to the large model (token healing); a paragraph break is not.
    const std::string healed = end == "\n\n" ? "" : end;
    EXPECT_EQ(r.segments[1].text, end == "\n\n" ? " g" + end : " g");
    EXPECT_EQ(r.segments[1].ended_by, "sentence");
    EXPECT_EQ(r.segments[2].writer, Writer::kLarge);
    EXPECT_EQ(r.segments[2].text, healed + " f</think>");
    EXPECT_EQ(large.calls()[1].request.first_token_prefix, healed);
    EXPECT_EQ(r.stats.switches_s_to_l, 1);
  }
}

TEST(RelayControllerTest, ThinkEndInSmallStartsTheAnswer) {
  ScriptedSession large({"a", " b", " c", " d", " e", " So,", "<eos>"});
  ScriptedSession small({" done", "</think>", "\n\n", "42", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 100, Cues({"So,"}));
  ASSERT_EQ(r.segments.size(), 3u);
  EXPECT_EQ(r.segments[1].text, " done</think>");
  EXPECT_EQ(r.segments[1].ended_by, "</think>");
  EXPECT_FALSE(r.segments[1].answer);
  EXPECT_TRUE(r.segments[2].answer);
  EXPECT_EQ(r.segments[2].writer, Writer::kSmall);
  EXPECT_EQ(r.segments[2].text, "\n\n42");
  EXPECT_EQ(r.stats.switches_l_to_s, 1);
  EXPECT_EQ(r.stats.switches_s_to_l, 0);
  EXPECT_EQ(large.calls().size(), 1u);
}

TEST(RelayControllerTest, ThinkEndCutsTheTokenThatCarriesIt) {
  // `</think>` fires even inside the first 5 tokens (immediate) and mid-token.
  ScriptedSession large({"ok", "</think>\n\n", "<eos>"});
  ScriptedSession small({"7", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now"}));
  EXPECT_EQ(r.segments[0].text, "ok</think>");
  EXPECT_EQ(r.text, "ok</think>7");
}

TEST(RelayControllerTest, BudgetExhaustedInLarge) {
  ScriptedSession large({"a", " b", " c", " d", " e", " f", " g", " h", " i", "<eos>"});
  ScriptedSession small({"x", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 6, Cues({"Now"}));
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].ended_by, "budget");
  EXPECT_EQ(r.segments[0].tokens, 6);
  EXPECT_TRUE(r.segments[1].inserted);
  EXPECT_EQ(r.text, "a b c d e f\n</think>");
  EXPECT_TRUE(small.calls().empty());  // no budget left for an answer
  EXPECT_EQ(r.stats.large_tokens + r.stats.small_tokens, 6);
}

TEST(RelayControllerTest, BudgetExhaustedInSmall) {
  ScriptedSession large({"a", " b", " c", " d", " e", " Now,", "<eos>"});
  ScriptedSession small({" x", " y", " z", " w", ".", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 8, Cues({"Now,"}));
  ASSERT_EQ(r.segments.size(), 3u);
  EXPECT_EQ(r.segments[1].writer, Writer::kSmall);
  EXPECT_EQ(r.segments[1].text, " x y");
  EXPECT_EQ(r.segments[1].ended_by, "budget");
  EXPECT_TRUE(r.segments[2].inserted);
  EXPECT_EQ(r.text, "a b c d e Now, x y\n</think>");
  EXPECT_EQ(small.calls().size(), 1u);
}

TEST(RelayControllerTest, EndOfGenerationWithoutThinkEndStillAnswers) {
  ScriptedSession large({"a", " b", "<eos>"});
  ScriptedSession small({"\n\n", "9", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now"}));
  ASSERT_EQ(r.segments.size(), 3u);
  EXPECT_EQ(r.segments[0].ended_by, "eos");
  EXPECT_TRUE(r.segments[1].inserted);
  EXPECT_EQ(r.segments[1].text, "\n</think>");
  EXPECT_TRUE(r.segments[2].answer);
  EXPECT_EQ(r.text, "a b\n</think>\n\n9");
  EXPECT_EQ(small.calls()[0].transcript, kPrompt + "a b\n</think>");
  EXPECT_EQ(small.calls()[0].request.max_tokens, 98);
}

TEST(RelayControllerTest, CueInsideAWordDoesNotFire) {
  ScriptedSession large({"a", " b", " c", " d", " e", " Nowhere", " Anything", ".", "</think>", "<eos>"});
  ScriptedSession small({"1", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now", "Any"}));
  EXPECT_EQ(r.segments[0].text, "a b c d e Nowhere Anything.</think>");
  EXPECT_EQ(r.stats.switches_l_to_s, 0);
}

TEST(RelayControllerTest, SubstringMatchReproducesTheReference) {
  ScriptedSession large({"a", " b", " c", " d", " e", " Nowhere", " to", "</think>", "<eos>"});
  ScriptedSession small({" go", ".", "1", "<eos>"});
  RelayOptions o = Cues({"Now"});
  o.match = CueMatch::kSubstring;
  const PolicyResult r = RunRelay(large, small, 100, o);
  EXPECT_EQ(r.segments[0].text, "a b c d e Now");  // cut inside the token " Nowhere"
  EXPECT_EQ(r.segments[0].ended_by, "cue:Now");
  EXPECT_EQ(r.segments[1].text, " go");
}

TEST(RelayControllerTest, WordCueAtTheEndOfTheBudgetDoesNotFire) {
  // The cue completes on the last budget token; its word boundary cannot be confirmed.
  ScriptedSession large({"a", " b", " c", " d", " e", " Now", " we", "<eos>"});
  ScriptedSession small({"x", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 6, Cues({"Now"}));
  EXPECT_EQ(r.segments[0].ended_by, "budget");
  EXPECT_EQ(r.text, "a b c d e Now\n</think>");
  EXPECT_TRUE(small.calls().empty());
}

TEST(RelayControllerTest, CommaCueAtTheEndOfTheBudgetSwitchesWithNothingLeft) {
  ScriptedSession large({"a", " b", " c", " d", " e", " Now", ",", " we", "<eos>"});
  ScriptedSession small({"x", "<eos>"});
  const PolicyResult r = RunRelay(large, small, 7, Cues({"Now,"}));
  EXPECT_EQ(r.segments[0].ended_by, "cue:Now,");
  EXPECT_EQ(r.text, "a b c d e Now,\n</think>");
  EXPECT_TRUE(small.calls().empty());
  EXPECT_EQ(r.stats.switches_l_to_s, 0);  // the small model never wrote
}

TEST(RelayControllerTest, TokenHealingBacksOffTheSpaceOfSo) {
  ScriptedSession large({"a", " b", " c", " d", " e", " So", " the", "</think>", "<eos>"});
  ScriptedSession small({" sum", " is", " 4", ".", "x", "<eos>"});
  Streamed streamed;
  const PolicyResult r = RunRelay(large, small, 100, Cues({"So "}), &streamed);
  EXPECT_EQ(r.segments[0].text, "a b c d e So");
  EXPECT_EQ(r.segments[0].tokens, 7);  // " the" supplied the space and was cut
  EXPECT_EQ(small.calls()[0].transcript, kPrompt + "a b c d e So");
  EXPECT_EQ(small.calls()[0].request.first_token_prefix, " ");
  EXPECT_EQ(r.segments[1].text, " sum is 4");
  EXPECT_EQ(r.text.substr(0, 22), "a b c d e So sum is 4.");
  EXPECT_EQ(streamed.large_text.find("So "), std::string::npos);  // no dangling space streamed
  EXPECT_EQ(large.calls()[1].request.first_token_prefix, ".");  // and the "." back to the large model
}

TEST(RelayControllerTest, RawHandoffLeavesTheSpace) {
  ScriptedSession large({"a", " b", " c", " d", " e", " So", " the", "</think>", "<eos>"});
  ScriptedSession small({"sum", " is", " 4", ".", "x", "<eos>"});
  RelayOptions o = Cues({"So "});
  o.raw_handoff = true;
  const PolicyResult r = RunRelay(large, small, 100, o);
  EXPECT_EQ(r.segments[0].text, "a b c d e So ");
  EXPECT_EQ(small.calls()[0].transcript, kPrompt + "a b c d e So ");
  EXPECT_TRUE(small.calls()[0].request.first_token_prefix.empty());
}

TEST(RelayControllerTest, AnswerOnlyWithoutCues) {
  ScriptedSession large({"Now", " a", " b", " c", " d", " e", " Now", " f", "</think>", "<eos>"});
  ScriptedSession small({"\n\n", "3", "<eos>"});
  RelayOptions o;
  o.name = "answer-only";
  const PolicyResult r = RunRelay(large, small, 100, o);
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].writer, Writer::kLarge);
  EXPECT_EQ(r.segments[1].writer, Writer::kSmall);
  EXPECT_TRUE(r.segments[1].answer);
  EXPECT_EQ(r.stats.switches_l_to_s, 0);
}

TEST(RelayControllerTest, TranscriptOutgrowingTheSmallModelsWindowEndsTheRequest) {
  // The small model's first turn comes to a fresh session: the large model's text already fills
  // its window. That ends the request like any full window, instead of failing it.
  ScriptedSession large({"<think>\n", "We", " have", " 3", " apples", ".", " Now", " X", "</think>"});
  ScriptedSession small({" we", "."});
  small.set_context_tokens(8);
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now"}));
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[1].writer, Writer::kSmall);
  EXPECT_EQ(r.segments[1].ended_by, "context");
  EXPECT_EQ(r.segments[1].tokens, 0);
  EXPECT_EQ(r.text, "<think>\nWe have 3 apples. Now");
  // The user's own prompt not fitting is still an error.
  ScriptedSession large2({"x"}), small2({"y"});
  large2.set_context_tokens(2);
  EXPECT_THROW(RunRelay(large2, small2, 10, Cues({"Now"})), ContextOverflow);
}

// With prefill ahead (the default) a word cue at the end of the text fires at once and the large
// model draws its lookahead token while the small model writes; without it the large model draws
// it first. Both must give the same run.
TEST(RelayControllerTest, DeferredLookaheadGivesTheSameRunAsTheInlineOne) {
  const std::vector<ScriptedToken> large_tape = {"<think>\n", "We", " have", " 3", " apples", ".", " Now", " X",
                                                 " we", " are", " done", ".", " Thus", ",", " 5", ".", "</think>", "<eos>"};
  const std::vector<ScriptedToken> small_tape = {" we", " add", " 2", ".", " it", " is", " 5", ".", "\n\n5", "<eos>"};
  std::vector<PolicyResult> runs;
  for (bool ahead : {false, true}) {
    ScriptedSession large(large_tape), small(small_tape);
    RelayOptions o = Cues({"Now", "Thus"});
    o.prefill_ahead = ahead;
    Streamed streamed;
    runs.push_back(RunRelay(large, small, 100, o, &streamed));
    EXPECT_EQ(runs.back().stats.deferred_lookaheads, ahead ? 2 : 0);
  }
  const PolicyResult& inline_run = runs[0];
  const PolicyResult& deferred = runs[1];
  EXPECT_EQ(deferred.text, inline_run.text);
  ASSERT_EQ(deferred.segments.size(), inline_run.segments.size());
  for (size_t i = 0; i < deferred.segments.size(); ++i) {
    EXPECT_EQ(deferred.segments[i].text, inline_run.segments[i].text) << i;
    EXPECT_EQ(deferred.segments[i].tokens, inline_run.segments[i].tokens) << i;
    EXPECT_EQ(deferred.segments[i].ended_by, inline_run.segments[i].ended_by) << i;
  }
  EXPECT_EQ(inline_run.stats.switches_l_to_s, 2);
}

TEST(RelayControllerTest, DeferredLookaheadInsideAWordResumesTheLargeTurn) {
  // " Now" then "here": the cue fired at once, the small model started, the large model's
  // lookahead says the word goes on. The small model's sentence is dropped unseen and the large
  // model's turn continues in the same record.
  ScriptedSession large({"a", " b", " c", " d", " e", " Now", "here", " is", " fine", ".", "</think>", "<eos>"});
  ScriptedSession small({" small", " text", ".", "\n\nanswer", "<eos>"});
  // The lookahead answers only once the small model draws its last token, which ends its sentence
  // at once: the answer cannot cancel it, so exactly its 3 tokens are discarded.
  std::promise<void> small_at_last_token;
  std::shared_future<void> at_last = small_at_last_token.get_future().share();
  small.set_before_token([&](size_t position) {
    if (position == 2) small_at_last_token.set_value();
  });
  large.set_before_lookahead([at_last] { at_last.wait(); });
  Streamed streamed;
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now"}), &streamed);
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].writer, Writer::kLarge);
  EXPECT_EQ(r.segments[0].text, "a b c d e Nowhere is fine.</think>");
  EXPECT_EQ(r.segments[0].tokens, 11);
  EXPECT_EQ(r.segments[0].ended_by, "</think>");
  EXPECT_EQ(r.segments[1].text, "\n\nanswer");
  EXPECT_TRUE(r.segments[1].answer);
  EXPECT_EQ(r.stats.discarded_tokens, 3);
  EXPECT_EQ(r.stats.switches_l_to_s, 0);
  EXPECT_EQ(r.stats.deferred_lookaheads, 1);
  EXPECT_EQ(streamed.small_text, "\n\nanswer");  // the dropped sentence was never shown
  // The resumed turn is the same L turn: no new minimum of 5 tokens before a cue.
  ASSERT_EQ(large.calls().size(), 2u);
  EXPECT_EQ(large.calls()[1].request.min_tokens, 0);
  EXPECT_EQ(large.calls()[1].transcript, kPrompt + "a b c d e Now");
}

// The small model's turn is cancelled part way when the deferred lookahead says the cue was inside
// a word: its callback returns false and it must stop there (the engine's contract), not write on.
TEST(RelayControllerTest, DeferredLookaheadInsideAWordCancelsTheSmallModel) {
  ScriptedSession large({"a", " b", " c", " d", " e", " Now", "here", " is", " fine", ".", "</think>", "<eos>"});
  std::vector<ScriptedToken> small_tape(1000, ScriptedToken(" w"));
  small_tape.push_back(".");
  ScriptedSession small(small_tape);
  // A slow small model in its sentence: the lookahead, answered at once on the worker thread,
  // arrives while it writes (after a millisecond or so; the 1000 tokens would take a second).
  small.set_before_token([&small](size_t) {
    if (small.calls().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  Streamed streamed;
  const PolicyResult r = RunRelay(large, small, 5000, Cues({"Now"}), &streamed);
  ASSERT_GE(small.calls().size(), 1u);
  const Segment& cancelled = small.calls()[0].segment;
  EXPECT_EQ(cancelled.stop_reason, StopReason::kLength) << "the small model was not cancelled";
  EXPECT_GE(cancelled.tokens.size(), 1u);
  EXPECT_LT(cancelled.tokens.size(), 1000u) << "the small model wrote on after the cancel";
  EXPECT_EQ(r.stats.discarded_tokens, static_cast<int>(cancelled.tokens.size()));
  ASSERT_GE(r.segments.size(), 1u);
  EXPECT_EQ(r.segments[0].writer, Writer::kLarge);
  EXPECT_EQ(r.segments[0].text, "a b c d e Nowhere is fine.</think>");
  EXPECT_EQ(r.stats.switches_l_to_s, 0);
  EXPECT_EQ(r.stats.deferred_lookaheads, 1);
  EXPECT_EQ(streamed.large_text, "a b c d e Nowhere is fine.</think>");
  // The cancelled text was never shown; what the small model wrote afterwards is the answer.
  EXPECT_EQ(streamed.small_text, r.text.substr(r.segments[0].text.size()));
  EXPECT_EQ(large.calls()[1].transcript, kPrompt + "a b c d e Now");
}

// Models may write bytes that are not UTF-8 (a byte token on its own); the transcript is bytes and
// the relay carries them through like any text.
TEST(RelayControllerTest, BytesThatAreNotUtf8PassThrough) {
  ScriptedSession large({"a", " b", " c", " d", " e", " Now,", " \xE2\x82", "\xAC", " x", "</think>", "<eos>"});
  ScriptedSession small({" \xFF", " y", ".", "\n\n\xC3", "<eos>"});
  Streamed streamed;
  const PolicyResult r = RunRelay(large, small, 100, Cues({"Now,"}), &streamed);
  EXPECT_EQ(r.text, "a b c d e Now, \xFF y. \xE2\x82\xAC x</think>\n\n\xC3");
  EXPECT_EQ(streamed.small_text, " \xFF y\n\n\xC3");
  EXPECT_EQ(large.calls()[1].transcript, kPrompt + "a b c d e Now, \xFF y");
}

// A session whose background prefill fails as an engine fails (not a full window).
class BrokenPrefillSession : public ScriptedSession {
 public:
  BrokenPrefillSession(std::vector<ScriptedToken> tape, bool window_full)
      : ScriptedSession(std::move(tape)), window_full_(window_full) {}
  PrefillResult Prefill(const std::string&) override {
    if (!attempted_) {
      attempted_ = true;
      attempt_.set_value();
    }
    if (window_full_) throw ContextOverflow("scripted: window full");
    throw Error("llama_decode failed (code -3)");
  }
  // Makes `writer` wait, before its `position`-th token, until this session's prefill ran.
  void HoldUntilPrefill(ScriptedSession* writer, size_t position) {
    std::shared_future<void> attempted = attempt_.get_future().share();
    writer->set_before_token([attempted, position](size_t at) {
      if (at == position) attempted.wait();
    });
  }

 private:
  bool window_full_;
  bool attempted_ = false;
  std::promise<void> attempt_;
};

TEST(RelayControllerTest, AFailureOfTheReaderAlongFailsTheRun) {
  const std::vector<ScriptedToken> large_tape = {"<think>\n", "We", " have", " 3", " apples", ".", " Now", " X",
                                                 " we", " are", " done", ".", "</think>", "<eos>"};
  const std::vector<ScriptedToken> small_tape = {" we", " add", " 2", ".", "\n\n5", "<eos>"};
  {
    ScriptedSession large(large_tape);
    BrokenPrefillSession small(small_tape, /*window_full=*/false);
    small.HoldUntilPrefill(&large, 3);
    RelayController relay(&large, &small, Cues({"Now"}));
    try {
      relay.Run(kPrompt, Sampling{}, 100);
      FAIL() << "the background error was swallowed";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "llama_decode failed (code -3)");
    }
  }
  {
    // A full window is no error: the relay handles it where the writer meets it.
    ScriptedSession large(large_tape);
    BrokenPrefillSession small(small_tape, /*window_full=*/true);
    small.HoldUntilPrefill(&large, 3);
    const PolicyResult r = RunRelay(large, small, 100, Cues({"Now"}));
    EXPECT_EQ(r.text, "<think>\nWe have 3 apples. Now we add 2. X we are done.</think>\n\n5");
  }
}

TEST(RelayControllerTest, RejectsNonPositiveBudget) {
  ScriptedSession large({"a"});
  ScriptedSession small({"b"});
  RelayController relay(&large, &small, Cues({"Now"}));
  EXPECT_THROW(relay.Run(kPrompt, Sampling{}, 0), Error);
}

}  // namespace
}  // namespace relaygen
