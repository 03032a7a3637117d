// Traces of a real reasoning model's length on the Qwen3-style real-shaped pair (docs/real-models.md).
// The paper's runs write up to 32,768 tokens a problem (SPEC §5); the testbed's traces are a few
// hundred. What can break only at this length: context windows and prefill chunks (the small
// model reads along thousands of tokens, a long prompt is prefilled in many batches), token
// accounting over hundreds of segments' worth of text, and calibration's all-logits scoring of a
// whole trace. Random weights: `--ignore-eos` keeps them writing to the budget, and the checks are
// on the shape of the output, not on what the models say.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "engine/llama_engine.h"
#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

const char* kPrompt = "What is 17 * 23? Please reason step by step, and put your final answer within \\boxed{}.";

std::string Scratch(const std::string& name) {
  const std::string path = TestDataPath("long-trace-" + name);
  std::remove(path.c_str());
  return path;
}

nlohmann::json RunJson(std::vector<std::string> args) {
  args.insert(args.begin(), RelaygenBinary());
  const CommandOutput r = RunCommand(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return nlohmann::json::object();
  return nlohmann::json::parse(r.out);
}

// The sum of the segments' tokens, checking on the way that the segments spell the text.
int SegmentTokens(const nlohmann::json& relay) {
  std::string text;
  int tokens = 0;
  for (const nlohmann::json& s : relay["segments"]) {
    text += s["text"].get<std::string>();
    tokens += s["tokens"].get<int>();
  }
  EXPECT_EQ(text, relay["text"].get<std::string>());
  return tokens;
}

// 20,000 tokens in a 24,576-token window: the large model writes and the small one reads along
// (what it reads in the last turn is not counted in ahead_prefill_tokens: no handoff uses it), and
// calibration then scores the whole trace with the small model (a 20k-token teacher-forced pass in
// all-logits chunks).
TEST(LongTrace, RelayWritesTwentyThousandTokensAndCalibrationScoresThem) {
  const int kTokens = 20000;
  const std::string large = RealShapedModelPath("qwen3", "large"), small = RealShapedModelPath("qwen3", "small");
  const nlohmann::json j = RunJson({"relay", "-p", kPrompt, "-n", std::to_string(kTokens), "--ignore-eos", "--temp",
                                    "0", "-c", "24576", "--json", "--large", large, "--small", small});
  ASSERT_TRUE(j.contains("segments")) << j.dump().substr(0, 400);
  EXPECT_EQ(SegmentTokens(j), kTokens);
  EXPECT_EQ(j["stats"]["large_tokens"].get<int>() + j["stats"]["small_tokens"].get<int>(), kTokens) << j["stats"];

  const std::string problems = Scratch("problems.jsonl"), traces = Scratch("traces.jsonl"), out = Scratch("cues.json");
  std::ofstream(problems) << nlohmann::json({{"id", "0"}, {"problem", kPrompt}}).dump() << "\n";
  std::ofstream(traces) << nlohmann::json({{"id", "0"}, {"problem", kPrompt}, {"text", j["text"]}, {"tokens", kTokens}})
                               .dump()
                        << "\n";
  const CommandOutput r = RunCommand({RelaygenBinary(), "calibrate", "--problems", problems, "--traces", traces, "-o",
                                      out, "-c", "24576", "--large", large, "--small", small});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("scored (\\d+) tokens"))) << r.err;
  // The whole trace, as the small model tokenizes it: random weights draw token sequences a
  // tokenizer would not produce (and bytes that are not UTF-8), so this is not kTokens exactly.
  const int scored = std::stoi(m[1]);
  LlamaOptions o;
  o.n_ctx = 512;
  const int expected = LlamaModel::Open(small, o)->NewSession()->CountTokens(j["text"].get<std::string>());
  EXPECT_NEAR(scored, expected, 2) << r.err;
  EXPECT_GT(scored, kTokens * 9 / 10) << r.err;
  const nlohmann::json profile = nlohmann::json::parse(ReadFile(out));
  EXPECT_EQ(profile["global_tokens"].get<int>(), scored) << profile.dump().substr(0, 400);
}

// A 15,700-token prompt (a long document before the question), prefilled by both models in many
// batches; the large model ends its reasoning at once (a forced </think>) and the small model
// writes the answer from there, 15,700 positions deep.
TEST(LongTrace, TheSmallModelAnswersAfterALongPrompt) {
  std::string document;  // 15,700 tokens with Qwen's tokenizer
  while (document.size() < 35000) document += "So the total is 48 plus 24, which gives 72. Now, half of 48 is 24. ";
  const std::string prompt = Scratch("prompt.txt");
  std::ofstream(prompt) << document << "\n\n" << kPrompt;
  const nlohmann::json j =
      RunJson({"relay", "-f", prompt, "-n", "64", "--ignore-eos", "--temp", "0", "-c", "20480", "--json", "--large",
               RealShapedModelPath("qwen3", "large-thinks-no-more"), "--small", RealShapedModelPath("qwen3", "small")});
  ASSERT_TRUE(j.contains("segments")) << j.dump().substr(0, 400);
  EXPECT_EQ(SegmentTokens(j), 64);
  const nlohmann::json& last = j["segments"].back();
  EXPECT_EQ(last["writer"], "small");
  EXPECT_TRUE(last["answer"].get<bool>()) << last;
  EXPECT_GT(j["stats"]["small_tokens"].get<int>(), 50) << j["stats"];
  // The small model read the long prompt while the large one prefilled it (prefill ahead), so
  // the handoff 16k positions deep evaluated only the few tokens of the forced </think>.
  EXPECT_GT(j["stats"]["ahead_prefill_tokens"].get<int>(), 15000) << j["stats"];
  EXPECT_LT(j["stats"]["handoff_prefill_tokens"].get<int>(), 10) << j["stats"];
}

}  // namespace
}  // namespace relaygen
