// The remote engine against real llama-server processes on 127.0.0.1 (the bundled testbed
// models), next to the embedded engine on the same files; and against small fake servers for the
// failures a real one cannot be made to show on demand (garbage, 500, silence).
#include "engine/remote_engine.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "engine/llama_engine.h"
#include "server_process.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {
namespace {

const char* kProblem =
    "Ruby has 42 stickers. Then she uses 33 stickers. Next, she finds 74 stickers. How many stickers "
    "does Ruby have now? Please reason step by step, and put your final answer within \\boxed{}.";

class RemoteEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess(BundledModelFile("testbed-large.gguf"));
    LlamaOptions o;
    o.n_threads = 1;
    o.flash_attn = "off";
    o.n_ctx = 2048;
    embedded_ = LlamaModel::Open(BundledModelFile("testbed-large.gguf"), o).release();
  }
  static void TearDownTestSuite() {
    delete embedded_;
    delete server_;
  }
  static std::unique_ptr<RemoteModel> Connect(const std::string& url, double read_timeout_s = 30) {
    RemoteOptions o;
    o.url = url;
    o.http.read_timeout_s = read_timeout_s;
    o.http.connect_timeout_s = 2;
    return RemoteModel::Connect(o);
  }
  static std::string Prompt() { return embedded_->RenderChat({{"user", kProblem}}); }

  static ServerProcess* server_;
  static LlamaModel* embedded_;
};
ServerProcess* RemoteEngineTest::server_ = nullptr;
LlamaModel* RemoteEngineTest::embedded_ = nullptr;

TEST_F(RemoteEngineTest, ConnectsToLlamaServerAndRendersTheSameChat) {
  auto remote = Connect(server_->url());
  EXPECT_EQ(remote->kind(), ServerKind::kLlama);
  EXPECT_GT(remote->n_ctx(), 0);
  EXPECT_NE(remote->name().find("testbed-large"), std::string::npos) << remote->name();
  EXPECT_EQ(remote->RenderChat({{"user", kProblem}}), Prompt());
  EXPECT_EQ(remote->NewSession()->CountTokens(kProblem), embedded_->NewSession()->CountTokens(kProblem));
}

// The same requests on both engines: text, tokens, why each ended, and margins.
TEST_F(RemoteEngineTest, SegmentsEqualTheEmbeddedEngine) {
  auto remote = Connect(server_->url());
  std::vector<SegmentRequest> requests(5);
  requests[0].max_tokens = 40;
  requests[1].max_tokens = 80;
  requests[1].stops = {{"Therefore,", false, false}, {"Thus,", false, false}, {"Now", true, false}, {"So", true, false}};
  requests[2] = requests[1];
  requests[2].min_tokens = 30;  // the relay's minimum large-model run
  requests[3].max_tokens = 30;
  requests[3].want_margins = true;
  requests[4].max_tokens = 400;  // to the end of generation
  for (size_t i = 0; i < requests.size(); ++i) {
    auto a = embedded_->NewSession();
    auto b = remote->NewSession();
    const Segment x = a->Generate(Prompt(), requests[i]);
    const Segment y = b->Generate(Prompt(), requests[i]);
    EXPECT_EQ(x.text, y.text) << "request " << i;
    EXPECT_EQ(x.tokens, y.tokens) << "request " << i;
    EXPECT_EQ(x.stop_reason, y.stop_reason) << "request " << i;
    EXPECT_EQ(x.stop_index, y.stop_index) << "request " << i;
    ASSERT_EQ(x.margins.size(), y.margins.size());
    // llama-server and the embedded engine evaluate the prompt in batches of different sizes, and
    // llama.cpp's F16 matrix products round differently for different batch shapes: margins
    // differ by up to ~4e-3 where F16 products do not go through AMX (docs/real-models.md).
    for (size_t k = 0; k < x.margins.size(); ++k) EXPECT_NEAR(x.margins[k], y.margins[k], 1e-2) << k;
  }
  EXPECT_EQ(remote->NewSession()->Generate(Prompt(), requests[4]).stop_reason, StopReason::kEndOfGeneration);
}

TEST_F(RemoteEngineTest, AHandoffPrefillsOnlyTheNewTokens) {
  auto remote = Connect(server_->url());
  auto session = remote->NewSession();
  SegmentRequest r;
  r.max_tokens = 20;
  const std::string prompt = Prompt();
  const Segment first = session->Generate(prompt, r);
  const int prompt_tokens = session->CountTokens(prompt);
  EXPECT_EQ(first.n_reused + first.n_prefilled, prompt_tokens);
  // Another model wrote a sentence: only it (and the token the cut left unevaluated) is new.
  const std::string other = " Therefore, she has 9 now.";
  const std::string transcript = prompt + first.text + other;
  const Segment second = session->Generate(transcript, r);
  const int before = session->CountTokens(prompt + first.text);
  EXPECT_GE(second.n_reused, before - 1) << "server cache_n";
  EXPECT_LE(second.n_prefilled, session->CountTokens(other) + 1);
  // Read-along: text prefilled ahead is not prefilled again at the handoff.
  const std::string more = transcript + second.text + " Now she has 9 in total.";
  const PrefillResult ahead = session->Prefill(more);
  EXPECT_GT(ahead.n_prefilled, 0);
  const Segment third = session->Generate(more, r);
  EXPECT_LE(third.n_prefilled, 1);
}

TEST_F(RemoteEngineTest, TokenHealingPicksATokenThatBeginsWithTheHealedText) {
  auto remote = Connect(server_->url());
  const std::string prompt = Prompt() + "<think>\nOkay, step by step. First, Ruby has 42 stickers.\n\nThen she uses 33, so";
  SegmentRequest r;
  r.max_tokens = 10;
  r.first_token_prefix = " ";
  const Segment x = embedded_->NewSession()->Generate(prompt, r);
  const Segment y = remote->NewSession()->Generate(prompt, r);
  ASSERT_FALSE(y.text.empty());
  EXPECT_EQ(y.text[0], ' ');
  EXPECT_EQ(x.text, y.text);
  EXPECT_EQ(x.tokens, y.tokens);
}

TEST_F(RemoteEngineTest, AServerKilledMidSegmentIsAClearErrorNotAHang) {
  ServerProcess doomed(BundledModelFile("testbed-large.gguf"));
  auto remote = Connect(doomed.url(), 5);
  auto session = remote->NewSession();
  SegmentRequest r;
  r.max_tokens = 400;
  const auto start = std::chrono::steady_clock::now();
  bool killed = false;
  try {
    session->Generate(Prompt(), r, [&](std::string_view) {
      if (!killed) doomed.Kill();
      killed = true;
      return true;
    });
    ADD_FAILURE() << "no error after the server died";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(doomed.url()), std::string::npos) << what;
    EXPECT_NE(what.find("lost"), std::string::npos) << what;
  }
  EXPECT_TRUE(killed);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  // Nothing listens any more: connecting fails after the retries, naming the URL.
  try {
    Connect(doomed.url());
    ADD_FAILURE() << "connected to a dead server";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(doomed.url()), std::string::npos) << e.what();
  }
}

// A llama-server look-alike whose /completion misbehaves as told.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(const httplib::Request&, httplib::Response&)> completion,
                      int token_shift = 0) {
    server_.Get("/props", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"default_generation_settings":{"n_ctx":512},"total_slots":1,"model_path":"/m/fake.gguf"})",
                      "application/json");
    });
    server_.Post("/tokenize", [token_shift](const httplib::Request& req, httplib::Response& res) {
      const auto body = nlohmann::json::parse(req.body);
      nlohmann::json tokens = nlohmann::json::array();
      for (unsigned char c : body["content"].get<std::string>()) {
        if (body.value("with_pieces", false)) tokens.push_back({{"id", c + token_shift}, {"piece", std::string(1, c)}});
        else tokens.push_back(c + token_shift);
      }
      res.set_content(nlohmann::json({{"tokens", tokens}}).dump(), "application/json");
    });
    server_.Post("/completion", std::move(completion));
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

void ExpectGenerateError(const std::string& url, const std::string& message, double read_timeout_s = 5) {
  RemoteOptions o;
  o.url = url;
  o.http.read_timeout_s = read_timeout_s;
  o.http.retries = 0;
  auto model = RemoteModel::Connect(o);
  SegmentRequest r;
  r.max_tokens = 5;
  try {
    model->NewSession()->Generate("hello", r);
    ADD_FAILURE() << "no error (expected: " << message << ")";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
  }
}

TEST(RemoteEngineFailures, A500IsReportedWithTheServersMessage) {
  FakeServer fake([](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content(R"({"error":{"code":500,"message":"the model fell over"}})", "application/json");
  });
  ExpectGenerateError(fake.url(), "the model fell over");
}

TEST(RemoteEngineFailures, GarbageIsReported) {
  FakeServer fake([](const httplib::Request&, httplib::Response& res) {
    res.set_content("data: this is not json\n\n", "text/event-stream");
  });
  ExpectGenerateError(fake.url(), "not JSON");
  FakeServer shapeless([](const httplib::Request&, httplib::Response& res) {
    res.set_content("data: {\"hello\": 1}\n\n", "text/event-stream");
  });
  ExpectGenerateError(shapeless.url(), "stop");
}

TEST(RemoteEngineFailures, ASilentServerTimesOut) {
  FakeServer fake([](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    res.set_content("data: {}\n\n", "text/event-stream");
  });
  const auto start = std::chrono::steady_clock::now();
  ExpectGenerateError(fake.url(), "failed", /*read_timeout_s=*/0.5);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 3.0);
}

TEST(RemoteEngineFailures, ServersThatTokenizeDifferentlyAreRefused) {
  auto ok = [](const httplib::Request&, httplib::Response& res) { res.status = 500; };
  FakeServer a(ok), b(ok, /*token_shift=*/1), c(ok);
  RemoteOptions o;
  o.url = a.url();
  auto ma = RemoteModel::Connect(o);
  o.url = b.url();
  auto mb = RemoteModel::Connect(o);
  o.url = c.url();
  auto mc = RemoteModel::Connect(o);
  EXPECT_NO_THROW(CheckSameTokenizer(*ma, *mc));
  try {
    CheckSameTokenizer(*ma, *mb);
    ADD_FAILURE() << "different tokenizers accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenize differently"), std::string::npos) << e.what();
  }
}

TEST(RemoteEngineFailures, BadUrlsAreRefused) {
  RemoteOptions o;
  o.url = "https://example.com";
  EXPECT_THROW(RemoteModel::Connect(o), Error);
  o.url = "localhost:8080";
  EXPECT_THROW(RemoteModel::Connect(o), Error);
  o.url = "http://127.0.0.1:" + std::to_string(FreePort());
  o.http.retries = 1;
  o.http.backoff_s = 0.01;
  EXPECT_THROW(RemoteModel::Connect(o), Error);
}

}  // namespace
}  // namespace relaygen
