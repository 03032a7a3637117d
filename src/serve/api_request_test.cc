#include "serve/api_request.h"

#include <gtest/gtest.h>

namespace relaygen {
namespace {

RequestDefaults Defaults() {
  RequestDefaults d;
  d.sampling = {0.6f, 0.95f, 20, 42};
  d.max_tokens = 100;
  d.max_tokens_limit = 1000;
  d.policies = {"large", "small", "relay"};
  d.profiles = {"", "math"};
  return d;
}

// The status and parameter of the ApiError `body` raises.
std::pair<int, std::string> Refusal(const std::string& body, bool chat = true) {
  try {
    ParseApiRequest(body, chat, Defaults());
  } catch (const ApiError& e) {
    return {e.status(), e.param()};
  }
  return {0, ""};
}

TEST(ApiRequest, AChatRequestWithDefaults) {
  const ApiRequest r = ParseApiRequest(R"({"messages":[{"role":"user","content":"hi"}]})", true, Defaults());
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_EQ(r.policy, "relay");
  EXPECT_EQ(r.profile, "");
  EXPECT_EQ(r.model, "relaygen");
  EXPECT_EQ(r.max_tokens, 100);
  EXPECT_FLOAT_EQ(r.sampling.temperature, 0.6f);
  EXPECT_EQ(r.sampling.top_k, 20);
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.sampling.ignore_eos);
}

// `relaygen serve --ignore-eos` makes it every request's default; a request can still say false.
TEST(ApiRequest, IgnoreEosDefaultsToTheServersFlag) {
  RequestDefaults d = Defaults();
  d.sampling.ignore_eos = true;
  EXPECT_TRUE(ParseApiRequest(R"({"messages":[{"role":"user","content":"hi"}]})", true, d).sampling.ignore_eos);
  EXPECT_FALSE(ParseApiRequest(R"({"messages":[{"role":"user","content":"hi"}],"ignore_eos":false})", true, d)
                   .sampling.ignore_eos);
}

TEST(ApiRequest, EveryFieldIsRead) {
  const ApiRequest r = ParseApiRequest(
      R"({"model":"relaygen/large","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],
          "max_tokens":7,"temperature":0,"top_p":0.5,"top_k":-1,"seed":9,"stop":["x","y"],"stream":true,
          "stream_options":{"include_usage":true},"relaygen":{"profile":"math"},"ignore_eos":true})",
      true, Defaults());
  EXPECT_EQ(r.policy, "large");
  EXPECT_EQ(r.model, "relaygen/large");
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_FLOAT_EQ(r.sampling.temperature, 0.0f);
  EXPECT_FLOAT_EQ(r.sampling.top_p, 0.5f);
  EXPECT_EQ(r.sampling.top_k, 0);
  EXPECT_EQ(r.sampling.seed, 9u);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.profile, "math");
  EXPECT_TRUE(r.sampling.ignore_eos);
}

TEST(ApiRequest, RelaygenPolicyWinsOverTheModelName) {
  const ApiRequest r = ParseApiRequest(
      R"({"model":"relaygen/large","prompt":"p","relaygen":{"policy":"small"},"max_completion_tokens":3})", false,
      Defaults());
  EXPECT_EQ(r.policy, "small");
  EXPECT_EQ(r.prompt, "p");
  EXPECT_EQ(r.max_tokens, 3);
}

TEST(ApiRequest, BadRequestsAreRefusedWithTheirField) {
  EXPECT_EQ(Refusal("{not json"), (std::pair<int, std::string>{400, ""}));
  EXPECT_EQ(Refusal("[1,2]"), (std::pair<int, std::string>{400, ""}));
  EXPECT_EQ(Refusal("{}"), (std::pair<int, std::string>{400, "messages"}));
  EXPECT_EQ(Refusal(R"({"messages":"hi"})").second, "messages");
  EXPECT_EQ(Refusal(R"({"messages":[{"role":"tool","content":"x"}]})").second, "messages[0].role");
  EXPECT_EQ(Refusal(R"({"messages":[{"role":"user","content":5}]})").second, "messages[0].content");
  const std::string ok = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(Refusal("{" + ok + R"(,"temperature":-1})"), (std::pair<int, std::string>{400, "temperature"}));
  EXPECT_EQ(Refusal("{" + ok + R"(,"temperature":"hot"})").second, "temperature");
  EXPECT_EQ(Refusal("{" + ok + R"(,"max_tokens":100000000})"), (std::pair<int, std::string>{400, "max_tokens"}));
  EXPECT_EQ(Refusal("{" + ok + R"(,"max_tokens":0})").second, "max_tokens");
  EXPECT_EQ(Refusal("{" + ok + R"(,"max_tokens":1.5})").second, "max_tokens");
  EXPECT_EQ(Refusal("{" + ok + R"(,"top_p":0})").second, "top_p");
  EXPECT_EQ(Refusal("{" + ok + R"(,"stop":["a","b","c","d","e"]})").second, "stop");
  EXPECT_EQ(Refusal("{" + ok + R"(,"stop":[""]})").second, "stop");
  EXPECT_EQ(Refusal("{" + ok + R"(,"n":2})").second, "n");
  EXPECT_EQ(Refusal("{" + ok + R"(,"stream":"yes"})").second, "stream");
  EXPECT_EQ(Refusal(R"({"prompt":3})", false).second, "prompt");
}

TEST(ApiRequest, UnknownModelsPoliciesAndProfilesAre404) {
  const std::string ok = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(Refusal("{" + ok + R"(,"model":"gpt-4"})"), (std::pair<int, std::string>{404, "model"}));
  EXPECT_EQ(Refusal("{" + ok + R"(,"model":"relaygen/nope"})"), (std::pair<int, std::string>{404, "model"}));
  EXPECT_EQ(Refusal("{" + ok + R"(,"relaygen":{"policy":"nope"}})").first, 404);
  EXPECT_EQ(Refusal("{" + ok + R"(,"relaygen":{"profile":"nope"}})"),
            (std::pair<int, std::string>{404, "relaygen.profile"}));
}

TEST(ApiRequest, InvalidUtf8IsRefused) {
  EXPECT_EQ(Refusal("{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}").first, 400);
}

}  // namespace
}  // namespace relaygen
