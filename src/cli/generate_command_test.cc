// `relaygen generate` as a user runs it: output formats and every kind of bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

CommandOutput Generate(std::vector<std::string> args) {
  args.insert(args.begin(), {RelaygenBinary(), "generate"});
  return RunCommand(args);
}

TEST(GenerateCommand, JsonOutputHasEveryField) {
  const auto r = Generate({"-m", TestModelPath(), "-p", "So the sum is", "-n", "12", "--temp", "0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"text", "n_prompt", "n_generated", "stop_reason", "prefill_ms", "decode_ms", "tokens_per_s"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["n_prompt"].get<int>(), 3);
  EXPECT_LE(j["n_generated"].get<int>(), 12);
  EXPECT_NE(r.err.find("[generate]"), std::string::npos);  // the timing line
}

TEST(GenerateCommand, StreamedTextEqualsJsonTextAndIsDeterministic) {
  const std::vector<std::string> base = {"-m", TestModelPath(), "-p", "Now", "-n", "20", "--temp", "0"};
  auto streamed = Generate(base);
  auto json_args = base;
  json_args.push_back("--json");
  const auto j1 = nlohmann::json::parse(Generate(json_args).out);
  const auto j2 = nlohmann::json::parse(Generate(json_args).out);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  // JSON cannot carry invalid UTF-8 (random test models emit stray bytes): it holds U+FFFD there.
  const std::string streamed_text = streamed.out.substr(0, streamed.out.size() - 1);
  const auto as_json = nlohmann::json::parse(
      nlohmann::json(streamed_text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_EQ(as_json, j1["text"]);
  EXPECT_EQ(j1["text"], j2["text"]);
}

TEST(GenerateCommand, SampledRunsAreReproducibleBySeed) {
  const std::vector<std::string> base = {"-m", TestModelPath(), "-p", "Now", "-n", "24", "--temp", "1.0", "--json"};
  auto a = base, b = base, c = base;
  a.insert(a.end(), {"--seed", "7"});
  b.insert(b.end(), {"--seed", "7"});
  c.insert(c.end(), {"--seed", "8"});
  const auto ja = nlohmann::json::parse(Generate(a).out);
  EXPECT_EQ(ja["text"], nlohmann::json::parse(Generate(b).out)["text"]);
  EXPECT_NE(ja["text"], nlohmann::json::parse(Generate(c).out)["text"]);
}

TEST(GenerateCommand, MissingModelFile) {
  ExpectError(Generate({"-m", "/nonexistent/m.gguf", "-p", "hi"}), "cannot open model file");
}

TEST(GenerateCommand, CorruptAndTruncatedModelFiles) {
  const std::string dir = ::testing::TempDir();
  { std::ofstream(dir + "/bad.gguf") << "GGUF but then garbage"; }
  ExpectError(Generate({"-m", dir + "/bad.gguf", "-p", "hi"}), "failed to load model");
  { std::ofstream(dir + "/text.gguf") << "hello"; }
  ExpectError(Generate({"-m", dir + "/text.gguf", "-p", "hi"}), "not a GGUF model file");
}

TEST(GenerateCommand, PromptLongerThanContext) {
  ExpectError(Generate({"-m", TestModelPath(), "-c", "32", "-p", std::string(300, 'z')}), "more than the context");
}

TEST(GenerateCommand, InvalidUtf8Prompt) {
  const std::string path = ::testing::TempDir() + "/bad-utf8.txt";
  { std::ofstream(path, std::ios::binary) << "abc\xFF\xFE"; }
  ExpectError(Generate({"-m", TestModelPath(), "-f", path}), "not valid UTF-8");
}

TEST(GenerateCommand, EmptyStopString) {
  ExpectError(Generate({"-m", TestModelPath(), "-p", "hi", "--stop", ""}), "empty stop string");
}

TEST(GenerateCommand, NonPositiveMaxTokens) {
  ExpectError(Generate({"-m", TestModelPath(), "-p", "hi", "-n", "0"}), "must be a positive");
  ExpectError(Generate({"-m", TestModelPath(), "-p", "hi", "-n", "-5"}), "must be a positive");
}

TEST(GenerateCommand, UnknownFlag) {
  const auto r = Generate({"-m", TestModelPath(), "-p", "hi", "--no-such-flag"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128);
  EXPECT_NE(r.err.find("no-such-flag"), std::string::npos) << r.err;
}

TEST(GenerateCommand, MissingPrompt) {
  ExpectError(Generate({"-m", TestModelPath()}), "no prompt");
}

}  // namespace
}  // namespace relaygen
