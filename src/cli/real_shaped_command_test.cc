// Every command on two real-shaped pairs (docs/real-models.md): Qwen3-style (qwen3/qwen3) and
// DeepSeek-R1-Distill-style (qwen2/qwen2), the large model Q4_K_M, the small one Q8_0, both with
// the real 151,936-entry vocabulary and the family's real chat template. Random weights: the
// checks are that each command runs and writes well-formed output, not what the models say.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "run_command.h"
#include "server_process.h"
#include "test_models.h"

namespace relaygen {
namespace {

const char* kPrompt = "What is 17 * 23? Please reason step by step, and put your final answer within \\boxed{}.";

class RealShapedCommand : public ::testing::TestWithParam<std::string> {
 protected:
  std::string Large() const { return RealShapedModelPath(GetParam(), "large"); }
  std::string Small() const { return RealShapedModelPath(GetParam(), "small"); }
  std::vector<std::string> Pair() const { return {"--large", Large(), "--small", Small()}; }
  std::string Scratch(const std::string& name) const {
    const std::string path = TestDataPath("real-" + GetParam() + "-" + name);
    std::remove(path.c_str());
    return path;
  }
};

// Every command with -nr: llama.cpp's AMX kernels fault on Q8_0/Q4_K matrices of these widths on
// the development machine (docs/real-models.md). relaygen's own guard (engine/amx_guard.h) would
// keep these models off AMX anyway; -nr keeps the commands independent of it.
std::vector<std::string> Command(std::vector<std::string> args) {
  args.insert(args.begin(), RelaygenBinary());
  args.push_back("-nr");
  return args;
}

nlohmann::json RunJson(std::vector<std::string> args) {
  args = Command(args);
  const CommandOutput r = RunCommand(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return nlohmann::json::object();
  }
}

TEST_P(RealShapedCommand, GenerateBothModels) {
  for (const std::string& model : {Large(), Small()}) {
    const nlohmann::json j = RunJson({"generate", "-m", model, "-p", kPrompt, "-n", "8", "--temp", "0", "--json"});
    ASSERT_TRUE(j.contains("text")) << j;
    EXPECT_GT(j["n_prompt"].get<int>(), 20);
    EXPECT_GT(j["n_generated"].get<int>(), 0);
    EXPECT_GT(j["tokens_per_s"].get<double>(), 0);
  }
  // Sampled, with the paper's settings (candidate arrays over 151,936 logits).
  const nlohmann::json s = RunJson({"generate", "-m", Small(), "-p", kPrompt, "-n", "8", "--json"});
  EXPECT_GT(s.value("n_generated", 0), 0) << s;
}

// llama.cpp's model flags reach llama.cpp: a q8_0 KV cache (flash attention on, as llama.cpp
// needs for a quantized V cache), the template's no-thinking prompt, and clear errors.
TEST_P(RealShapedCommand, ModelFlagsPassThrough) {
  const std::vector<std::string> base = {"generate", "-m", Small(), "-p", kPrompt, "-n", "4", "--temp", "0", "--json"};
  auto with = [&base](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const nlohmann::json on = RunJson(base);
  const nlohmann::json q8 = RunJson(with({"-ctk", "q8_0", "-ctv", "q8_0", "--flash-attn", "on", "-tb", "1", "--no-mmap"}));
  EXPECT_EQ(q8.value("n_generated", 0), 4) << q8;
  const nlohmann::json off = RunJson(with({"-rea", "off"}));
  // Qwen3 adds "<think>\n\n</think>\n\n" (4 tokens), R1-Distill "</think>" after its "<think>\n".
  EXPECT_EQ(off.value("n_prompt", 0) - on.value("n_prompt", 0), GetParam() == "qwen3" ? 4 : 1) << off << on;
  ExpectError(RunCommand(Command(with({"-ctv", "q4_0", "--flash-attn", "off"}))), "needs flash attention");
  ExpectError(RunCommand(Command(with({"-ctk", "q3_k"}))), "unknown KV cache type 'q3_k'");
}

TEST_P(RealShapedCommand, RelayWritesWellFormedJson) {
  std::vector<std::string> args = {"relay", "-p", kPrompt, "-n", "24", "--json"};
  const std::vector<std::string> pair = Pair();
  args.insert(args.end(), pair.begin(), pair.end());
  const nlohmann::json j = RunJson(args);
  ASSERT_TRUE(j.contains("segments")) << j;
  EXPECT_FALSE(j["segments"].empty());
  int segment_tokens = 0;
  for (const nlohmann::json& s : j["segments"]) segment_tokens += s["tokens"].get<int>();
  EXPECT_EQ(j["stats"]["large_tokens"].get<int>() + j["stats"]["small_tokens"].get<int>(), segment_tokens)
      << j["stats"];
  EXPECT_EQ(segment_tokens, 24);  // random weights never stop early in 24 tokens
}

// A forced </think> (Qwen3's and R1-Distill's is a user-defined added token, id 151668 / 151649)
// ends the reasoning and the small model writes the answer.
TEST_P(RealShapedCommand, ForcedThinkEndSwitchesToTheAnswerPhase) {
  const nlohmann::json j = RunJson({"relay", "-p", kPrompt, "-n", "12", "--temp", "0", "--json", "--large",
                                RealShapedModelPath(GetParam(), "large-thinks-no-more"), "--small", Small()});
  ASSERT_TRUE(j.contains("segments")) << j;
  ASSERT_GE(j["segments"].size(), 2u) << j["segments"];
  const nlohmann::json& first = j["segments"][0];
  EXPECT_EQ(first["writer"], "large");
  EXPECT_NE(first["text"].get<std::string>().find("</think>"), std::string::npos) << first;
  const nlohmann::json& last = j["segments"].back();
  EXPECT_EQ(last["writer"], "small");
  EXPECT_TRUE(last["answer"].get<bool>()) << last;
  EXPECT_GT(j["stats"]["small_tokens"].get<int>(), 0);
}

TEST_P(RealShapedCommand, CalibrateWritesAProfile) {
  const std::string problems = Scratch("problems.jsonl"), out = Scratch("cues.json");
  std::ofstream(problems) << "{\"problem\": \"What is 2 + 3?\"}\n{\"problem\": \"What is 7 * 8?\"}\n";
  std::vector<std::string> args = {"calibrate", "--problems", problems, "--samples", "1", "-n", "24", "-o", out};
  const std::vector<std::string> pair = Pair();
  args.insert(args.end(), pair.begin(), pair.end());
  const CommandOutput r = RunCommand(Command(args));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json profile = nlohmann::json::parse(ReadFile(out));
  EXPECT_FALSE(profile.dump().empty());
  EXPECT_NE(profile.dump().find("Therefore"), std::string::npos) << profile.dump().substr(0, 400);
}

TEST_P(RealShapedCommand, EvalAndBenchRun) {
  const std::string run = Scratch("eval.jsonl");
  std::vector<std::string> args = {"eval", "--dataset", "testbed", "--policy", "relay", "--limit", "1",
                                   "-n", "16", "--out", run};
  std::vector<std::string> pair = Pair();
  args.insert(args.end(), pair.begin(), pair.end());
  const CommandOutput e = RunCommand(Command(args));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const nlohmann::json line = nlohmann::json::parse(ReadFile(run).substr(0, ReadFile(run).find('\n')));
  EXPECT_TRUE(line.contains("correct") || line.contains("pass")) << line;

  std::vector<std::string> bench = {"bench", "--dataset", "testbed", "--problems", "1", "--runs", "1",
                                    "--policies", "large,small,relay", "-n", "12", "--json"};
  bench.insert(bench.end(), pair.begin(), pair.end());
  const nlohmann::json b = RunJson(bench);
  EXPECT_NE(b.dump().find("relay"), std::string::npos) << b.dump().substr(0, 400);
}

// The pair as two llama-servers (--large-url/--small-url).
TEST_P(RealShapedCommand, RelayOverLlamaServers) {
  ServerProcess large(Large(), {"-nr"}), small(Small(), {"-nr"});
  const nlohmann::json j =
      RunJson({"relay", "-p", kPrompt, "-n", "16", "--temp", "0", "--json", "--large-url", large.url(), "--small-url", small.url()});
  ASSERT_TRUE(j.contains("segments")) << j;
  EXPECT_EQ(j["stats"]["large_tokens"].get<int>() + j["stats"]["small_tokens"].get<int>(), 16) << j["stats"];
}

// Calibration's scoring over a llama-server of the small model gives the profile the embedded
// scorer gives on the same traces. Random weights draw byte tokens that end inside a UTF-8
// character within a few hundred tokens, whose probabilities llama-server never reports unless
// the draw is pinned (docs/real-models.md, item 7).
TEST_P(RealShapedCommand, CalibrateOverASmallModelServerEqualsEmbedded) {
  const std::string problems = Scratch("server-problems.jsonl"), traces = Scratch("server-traces.jsonl");
  std::ofstream(problems) << "{\"problem\": \"What is 2 + 3? 答案 😀\"}\n{\"problem\": \"What is 7 * 8?\"}\n";
  auto calibrate = [&](const std::string& out, const std::vector<std::string>& small) {
    std::vector<std::string> args = {"calibrate", "--problems", problems, "--samples", "1", "-n", "200", "--traces",
                                     traces, "-o", out, "--min-occurrences", "1", "--large", Large()};
    args.insert(args.end(), small.begin(), small.end());
    const CommandOutput r = RunCommand(Command(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(ReadFile(out)) : nlohmann::json::object();
  };
  // The first run writes the traces (400 tokens of the large model), both score them.
  const nlohmann::json embedded = calibrate(Scratch("cues-embedded.json"), {"--small", Small()});
  ServerProcess server(Small(), {"-nr"});
  const nlohmann::json remote = calibrate(Scratch("cues-server.json"), {"--small-url", server.url()});
  ASSERT_TRUE(embedded.contains("global_tokens") && remote.contains("global_tokens")) << remote;
  EXPECT_GT(embedded["global_tokens"].get<int>(), 300);
  EXPECT_EQ(embedded["global_tokens"], remote["global_tokens"]);
  EXPECT_NEAR(embedded["global_mean"].get<double>(), remote["global_mean"].get<double>(), 1e-3);
  EXPECT_EQ(embedded["selected"], remote["selected"]);
}

std::string FamilyName(const ::testing::TestParamInfo<std::string>& param) {
  return param.param == "qwen3" ? "Qwen3" : "R1Distill";
}

// relaygen serve on the pair: the chat prompt comes from the family's template, and a forced
// </think> (an added token) splits the answer from the reasoning.
TEST_P(RealShapedCommand, ServeSplitsReasoningAtTheForcedThinkEnd) {
  const int port = FreePort();
  ServerProcess server(Command({"serve", "--port", std::to_string(port), "--slots", "2", "--large",
                                RealShapedModelPath(GetParam(), "large-thinks-no-more"), "--small", Small()}),
                       port, 120);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(120));
  const nlohmann::json body = {{"messages", {{{"role", "user"}, {"content", kPrompt}}}},
                               {"max_tokens", 12},
                               {"temperature", 0}};
  auto r = client.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const nlohmann::json reply = nlohmann::json::parse(r->body);
  const nlohmann::json& message = reply["choices"][0]["message"];
  EXPECT_EQ(message["content"].get<std::string>().find("</think>"), std::string::npos) << message;
  EXPECT_FALSE(message["content"].get<std::string>().empty()) << message;
  EXPECT_GT(reply["usage"]["relaygen"]["small_tokens"].get<int>(), 0) << reply["usage"];
  EXPECT_GT(reply["usage"]["prompt_tokens"].get<int>(), 20);
}

INSTANTIATE_TEST_SUITE_P(Families, RealShapedCommand, ::testing::Values("qwen3", "r1-distill"), FamilyName);

}  // namespace
}  // namespace relaygen
