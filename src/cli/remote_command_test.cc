// Commands over remote engines: two llama-server processes serving the bundled testbed pair on
// 127.0.0.1, driven by `relaygen relay`, `eval` and `calibrate` exactly as the embedded pair is.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "run_command.h"
#include "server_process.h"
#include "test_models.h"

namespace relaygen {
namespace {

const char* kProblem =
    "Ruby has 42 stickers. Then she uses 33 stickers. Next, she finds 74 stickers. Then she wins 11 "
    "stickers. How many stickers does Ruby have now? Please reason step by step, and put your final "
    "answer within \\boxed{}.";

class RemoteCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    large_ = new ServerProcess(BundledModelFile("testbed-large.gguf"));
    small_ = new ServerProcess(BundledModelFile("testbed-small.gguf"));
  }
  static void TearDownTestSuite() {
    delete large_;
    delete small_;
  }
  static std::vector<std::string> Remote() {
    return {"--large-url", large_->url(), "--small-url", small_->url()};
  }
  static ServerProcess* large_;
  static ServerProcess* small_;
};
ServerProcess* RemoteCommandTest::large_ = nullptr;
ServerProcess* RemoteCommandTest::small_ = nullptr;

nlohmann::json RelayJson(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {RelaygenBinary(), "relay", "-p", kProblem, "--temp", "0", "-t", "1", "--json",
                                   "--flash-attn", "off"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CommandOutput r = RunCommand(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

TEST_F(RemoteCommandTest, GreedyRelayOverTwoServersWritesWhatTheEmbeddedRelayWrites) {
  const nlohmann::json embedded = RelayJson({});
  const nlohmann::json remote = RelayJson(Remote());
  ASSERT_TRUE(embedded.contains("segments") && remote.contains("segments"));
  EXPECT_EQ(embedded["text"], remote["text"]);
  ASSERT_EQ(embedded["segments"].size(), remote["segments"].size());
  for (size_t i = 0; i < embedded["segments"].size(); ++i) {
    EXPECT_EQ(embedded["segments"][i]["writer"], remote["segments"][i]["writer"]) << i;
    EXPECT_EQ(embedded["segments"][i]["tokens"], remote["segments"][i]["tokens"]) << i;
  }
  EXPECT_GT(remote["stats"]["switches_l_to_s"].get<int>(), 0);
  EXPECT_EQ(embedded["stats"]["large_tokens"], remote["stats"]["large_tokens"]);
  EXPECT_EQ(embedded["stats"]["small_tokens"], remote["stats"]["small_tokens"]);
  // The servers' caches keep handoffs cheap. Not as cheap as embedded yet: since the sentence-end
  // "." is handed back to the large model, remote handoffs prefill about twice the embedded count
  // (95 vs 50 tokens here; open, see docs/serving.md).
  EXPECT_LE(remote["stats"]["handoff_prefill_tokens"].get<int>(),
            2 * embedded["stats"]["handoff_prefill_tokens"].get<int>() + 2 * remote["stats"]["switches_l_to_s"].get<int>());
}

TEST_F(RemoteCommandTest, EvalOverServersScoresLikeEmbedded) {
  const std::string out_a = TestDataPath("remote-eval-embedded.jsonl"), out_b = TestDataPath("remote-eval-remote.jsonl");
  std::remove(out_a.c_str());
  std::remove(out_b.c_str());
  std::vector<std::string> base = {RelaygenBinary(), "eval", "--dataset", "testbed", "--policy", "relay", "--limit", "3",
                                   "--temp", "0", "-t", "1", "--flash-attn", "off", "--out"};
  std::vector<std::string> a = base, b = base;
  a.push_back(out_a);
  b.push_back(out_b);
  const std::vector<std::string> remote = Remote();
  b.insert(b.end(), remote.begin(), remote.end());
  const CommandOutput ra = RunCommand(a), rb = RunCommand(b);
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  std::ifstream fa(out_a), fb(out_b);
  std::string la, lb;
  int n = 0;
  while (std::getline(fa, la) && std::getline(fb, lb)) {
    const auto ja = nlohmann::json::parse(la), jb = nlohmann::json::parse(lb);
    EXPECT_EQ(ja["text"], jb["text"]) << n;
    EXPECT_EQ(ja["correct"], jb["correct"]) << n;
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST_F(RemoteCommandTest, CalibrationScoresOnAServerLikeEmbedded) {
  const std::string problems = TestDataPath("remote-calibration.jsonl");
  {
    std::ofstream f(problems);
    f << nlohmann::json({{"prompt", kProblem}}).dump() << "\n";
  }
  const std::string traces = TestDataPath("remote-calibration.traces.jsonl");
  std::remove(traces.c_str());
  auto calibrate = [&](const std::string& out, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {RelaygenBinary(), "calibrate", "--problems", problems, "--samples", "1", "--temp", "0",
                                     "-n", "120", "--traces", traces, "-o", out, "-t", "1", "--flash-attn", "off",
                                     "--min-occurrences", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandOutput r = RunCommand(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(ReadFile(out));
  };
  // The first run writes the traces; both score the same traces with the small model.
  const nlohmann::json a = calibrate(TestDataPath("remote-cues-embedded.json"), {});
  const nlohmann::json b = calibrate(TestDataPath("remote-cues-remote.json"), {"--small-url", small_->url()});
  ASSERT_TRUE(a.contains("selected") && b.contains("selected"));
  EXPECT_NEAR(a["global_mean"].get<double>(), b["global_mean"].get<double>(), 2e-3);
  EXPECT_EQ(a["selected"], b["selected"]);
  EXPECT_EQ(a["global_tokens"], b["global_tokens"]);
}

TEST_F(RemoteCommandTest, BenchOverServersReportsTheEfficiencySplit) {
  const CommandOutput r = RunCommand({RelaygenBinary(), "bench", "--dataset", "testbed", "--policies", "relay", "--problems",
                                      "1", "--runs", "1", "--temp", "0", "-t", "1", "--json", "--large-url", large_->url(),
                                      "--small-url", small_->url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& p : j["policies"]) {
    if (p["policy"] != "relay") continue;
    found = true;
    EXPECT_GT(p["efficiency"].get<double>(), 0.0) << p.dump();
    EXPECT_GT(p["switches"].get<double>(), 0.0) << p.dump();
  }
  EXPECT_TRUE(found) << r.out;
}

// The small model's server dies while an evaluation runs: the command fails with a clear error in
// bounded time, and the run file holds only finished samples, so `--resume` can continue it.
TEST_F(RemoteCommandTest, AServerThatDiesMidEvaluationLeavesOnlyFinishedSamples) {
  ServerProcess doomed(BundledModelFile("testbed-small.gguf"));
  const std::string out = TestDataPath("remote-eval-killed.jsonl");
  std::remove(out.c_str());
  CommandOutput result;
  std::thread eval([&] {
    result = RunCommand({RelaygenBinary(), "eval", "--dataset", "testbed", "--policy", "relay", "--limit", "60", "--temp",
                         "0", "-t", "1", "--out", out, "--large-url", large_->url(), "--small-url", doomed.url(),
                         "--server-timeout", "10"});
  });
  const auto start = std::chrono::steady_clock::now();
  while (ReadFile(out).empty() && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  doomed.Kill();
  eval.join();
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find(doomed.url()), std::string::npos) << result.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 60.0);
  const std::string lines = ReadFile(out);
  ASSERT_FALSE(lines.empty());
  int n = 0;
  size_t at = 0;
  for (size_t nl; (nl = lines.find('\n', at)) != std::string::npos; at = nl + 1) {
    const auto j = nlohmann::json::parse(lines.substr(at, nl - at));  // every line is a whole record
    EXPECT_TRUE(j.contains("correct"));
    ++n;
  }
  EXPECT_EQ(at, lines.size()) << "a partial line";
  EXPECT_GT(n, 0);
  EXPECT_LT(n, 60);
}

}  // namespace
}  // namespace relaygen
