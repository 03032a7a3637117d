// `relaygen eval` as a user runs it: a run killed with SIGKILL and resumed loses and duplicates
// nothing, finished runs are never overwritten, the oracle policy grades the reference solutions,
// and bad input fails with a clear message instead of a crash.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "eval/dataset.h"
#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

using nlohmann::json;

const int kProblems = 12;
const int kSamples = 2;

// A fresh directory for one test.
std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "/relaygen-eval-XXXXXX";
  char* dir = mkdtemp(pattern.data());
  if (dir == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return pattern;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// `problems` arithmetic questions in the generic JSONL format (no reference solutions).
std::string WriteDataset(const std::string& dir, int problems) {
  std::string text;
  for (int i = 0; i < problems; ++i) {
    json row = {{"id", "q" + std::to_string(i)},
                {"problem", "What is " + std::to_string(i) + " + " + std::to_string(i + 1) + "?"},
                {"answer", std::to_string(2 * i + 1)}};
    text += row.dump() + "\n";
  }
  const std::string path = dir + "/tiny.jsonl";
  WriteFile(path, text);
  return path;
}

// The complete (newline-terminated) lines of a file; a torn tail is left out.
std::vector<std::string> CompleteLines(const std::string& path) {
  const std::string content = ReadFile(path);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = content.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(content.substr(start, end - start));
  }
  return lines;
}

// A random model deep enough that a request takes tens of milliseconds instead of the standard
// tiny model's ~5 ms: the kill test must land its SIGKILL while the run still has lines to write,
// and a 24-line run of "tiny.gguf" can finish before a busy machine schedules the killer.
std::string SlowModelPath() {
  return TestModelPath("eval-slow-q8_0.gguf", {"--n-embd", "256", "--n-layer", "12", "--n-head", "4",
                                               "--n-ff", "1024", "--seed", "3", "--type", "q8_0"});
}

// The greedy small-policy run of the brief: `relaygen eval ... --samples 2 -n 24 -t 1 --temp 0`.
std::vector<std::string> EvalArgs(const std::string& dataset, const std::string& out,
                                  const std::string& small = TestModelPath("tiny.gguf")) {
  return {RelaygenBinary(), "eval",     "--dataset", dataset,  "--policy", "small",
          "--small",        small,      "--large",   TestModelPath("tiny-b.gguf"),
          "--samples",      std::to_string(kSamples),   "--out",   out,
          "-n",             "24",       "-t",        "1",      "--temp",   "0"};
}

CommandOutput Eval(std::vector<std::string> args) {
  args.insert(args.begin(), {RelaygenBinary(), "eval"});
  return RunCommand(args);
}

// (id, sample) -> text of every line of a run file; fails the test on a duplicate.
std::map<std::pair<std::string, int>, std::string> TextsByKey(const std::vector<std::string>& lines) {
  std::map<std::pair<std::string, int>, std::string> texts;
  for (const std::string& line : lines) {
    const json j = json::parse(line);
    const auto key = std::make_pair(j.at("id").get<std::string>(), j.at("sample").get<int>());
    EXPECT_TRUE(texts.emplace(key, j.at("text").get<std::string>()).second)
        << "duplicate line for " << key.first << " sample " << key.second;
  }
  return texts;
}

// Starts argv as a child process (stdout and stderr to `log`) and returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  ::close(fd);
  return pid;
}

// Waits until `path` holds at least `lines` complete lines, woken by inotify events on its
// directory rather than by sleeping. Returns false if the child exits first or on timeout.
bool WaitForLines(const std::string& path, std::size_t lines, pid_t child, std::chrono::seconds timeout) {
  const int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) return false;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (inotify_add_watch(in, dir.c_str(), IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE) < 0) {
    ::close(in);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool reached = false;
  while (!reached && std::chrono::steady_clock::now() < deadline) {
    // The watch is in place before this check, so no write between the two can be missed.
    if (CompleteLines(path).size() >= lines) {
      reached = true;
      break;
    }
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) break;  // exited (or died) on its own
    // The timeout only bounds how late a child's death is noticed; writes wake the poll at once.
    pollfd p = {in, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buffer[4096];
      while (read(in, buffer, sizeof(buffer)) > 0) {
      }
    }
  }
  ::close(in);
  return reached;
}

TEST(EvalCommand, SigkillThenResumeLosesAndDuplicatesNothing) {
  const std::string dir = MakeTempDir();
  const std::string dataset = WriteDataset(dir, kProblems);
  const std::string run = dir + "/run.jsonl";
  std::vector<std::string> args = EvalArgs(dataset, run, SlowModelPath());
  // -nr: on the development machine llama.cpp's AMX kernels fault on this 256-wide Q8_0 model
  // (SIGILL; docs/real-models.md), which ended the run before it could be killed.
  args.push_back("-nr");

  // 1. Start the run and kill it -9 once three lines are durable.
  const pid_t child = Spawn(args, dir + "/killed.log");
  ASSERT_GT(child, 0);
  const bool reached = WaitForLines(run, 3, child, std::chrono::seconds(300));
  ASSERT_EQ(kill(child, SIGKILL), 0);  // the child is not reaped yet, so its pid is still ours
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(reached) << "the run did not write 3 lines; its output:\n" << ReadFile(dir + "/killed.log");
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the run finished before it could be killed; its output:\n" << ReadFile(dir + "/killed.log");

  const std::vector<std::string> before = CompleteLines(run);
  RecordProperty("lines_before_kill", static_cast<int>(before.size()));
  ASSERT_GE(before.size(), 3u);
  ASSERT_LT(before.size(), static_cast<std::size_t>(kProblems * kSamples)) << "nothing left to resume";

  // 2. A kill in the middle of a write leaves a line without its newline: simulate one.
  {
    std::ofstream out(run, std::ios::binary | std::ios::app);
    out << before.back().substr(0, before.back().size() / 2);
  }

  // 3. Without --resume the partial run is refused and left as it is.
  const std::string partial = ReadFile(run);
  ExpectError(RunCommand(args), "--resume");
  EXPECT_EQ(ReadFile(run), partial);

  // 4. Resume to completion.
  std::vector<std::string> resume_args = args;
  resume_args.push_back("--resume");
  const CommandOutput resumed = RunCommand(resume_args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("torn"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("/" + std::to_string(kProblems * kSamples) + " correct"), std::string::npos)
      << resumed.err;

  const std::string content = ReadFile(run);
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n') << "the torn line survived";
  const std::vector<std::string> after = CompleteLines(run);
  ASSERT_EQ(after.size(), static_cast<std::size_t>(kProblems * kSamples));
  // The lines written before the kill are untouched, byte for byte.
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]) << "line " << i + 1;
  const auto resumed_texts = TextsByKey(after);
  ASSERT_EQ(resumed_texts.size(), static_cast<std::size_t>(kProblems * kSamples));
  for (int i = 0; i < kProblems; ++i) {
    for (int s = 0; s < kSamples; ++s) {
      EXPECT_EQ(resumed_texts.count({"q" + std::to_string(i), s}), 1u) << "q" << i << " sample " << s;
    }
  }
  for (const std::string& line : after) {
    const json j = json::parse(line);
    EXPECT_EQ(j.at("policy"), "small");
    EXPECT_EQ(j.at("dataset"), "tiny.jsonl");
    EXPECT_EQ(j.at("large_tokens"), 0);
    EXPECT_GT(j.at("small_tokens").get<int>(), 0);
  }

  // 5. Greedy: the interrupted-and-resumed file says what one uninterrupted run says.
  const std::string clean = dir + "/clean.jsonl";
  std::vector<std::string> clean_args = EvalArgs(dataset, clean, SlowModelPath());
  clean_args.push_back("-nr");
  const CommandOutput full = RunCommand(clean_args);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto clean_texts = TextsByKey(CompleteLines(clean));
  ASSERT_EQ(clean_texts.size(), resumed_texts.size());
  for (const auto& [key, text] : clean_texts) {
    auto it = resumed_texts.find(key);
    ASSERT_NE(it, resumed_texts.end());
    EXPECT_EQ(it->second, text) << key.first << " sample " << key.second;
  }
}

TEST(EvalCommand, RefusesToOverwriteAFinishedRun) {
  const std::string dir = MakeTempDir();
  const std::string dataset = WriteDataset(dir, 2);
  const std::string run = dir + "/run.jsonl";
  const std::string previous = "{\"id\":\"q0\",\"dataset\":\"tiny.jsonl\",\"policy\":\"small\",\"sample\":0,"
                               "\"correct\":false}\n";
  WriteFile(run, previous);
  const CommandOutput r = RunCommand(EvalArgs(dataset, run));
  ExpectError(r, "already has results");
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(run), previous);
}

TEST(EvalCommand, OracleGradesMath500SolutionsCorrect) {
  const std::string data_dir = DefaultDataDir();
  if (!std::filesystem::exists(data_dir + "/math500/test.jsonl")) {
    GTEST_SKIP() << "no MATH-500 under " << data_dir << " (set RELAYGEN_DATA)";
  }
  const std::string run = MakeTempDir() + "/oracle.jsonl";
  const CommandOutput r =
      Eval({"--dataset", "math500", "--policy", "oracle", "--limit", "50", "--out", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("50/50 correct"), std::string::npos) << r.err;
  const std::vector<std::string> lines = CompleteLines(run);
  ASSERT_EQ(lines.size(), 50u);
  std::set<std::string> ids;
  for (const std::string& line : lines) {
    const json j = json::parse(line);
    EXPECT_TRUE(j.at("correct").get<bool>()) << line;
    EXPECT_FALSE(j.at("extracted").get<std::string>().empty()) << line;
    EXPECT_EQ(j.at("policy"), "oracle");
    EXPECT_EQ(j.at("dataset"), "math500");
    EXPECT_EQ(j.at("sample"), 0);
    ids.insert(j.at("id").get<std::string>());
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST(EvalCommand, OracleWithoutReferenceSolutions) {
  const std::string dir = MakeTempDir();
  const std::string run = dir + "/oracle.jsonl";
  ExpectError(Eval({"--dataset", WriteDataset(dir, 3), "--policy", "oracle", "--out", run}),
              "needs reference solutions");
  EXPECT_FALSE(std::filesystem::exists(run));
}

// A dataset with reference solutions (3 of 4 correct), for the oracle policy: no model needed.
std::string WriteSolvedDataset(const std::string& dir) {
  const std::string path = dir + "/solved.jsonl";
  WriteFile(path,
            "{\"id\": \"s0\", \"problem\": \"1+1?\", \"answer\": \"2\", \"solution\": \"So \\\\boxed{2}.\"}\n"
            "{\"id\": \"s1\", \"problem\": \"2+2?\", \"answer\": \"4\", \"solution\": \"So \\\\boxed{4}.\"}\n"
            "{\"id\": \"s2\", \"problem\": \"3+3?\", \"answer\": \"6\", \"solution\": \"So \\\\boxed{7}.\"}\n"
            "{\"id\": \"s3\", \"problem\": \"4+4?\", \"answer\": \"8\", \"solution\": \"So \\\\boxed{8}.\"}\n");
  return path;
}

TEST(EvalCommand, ResumedTallyCountsOnlyThisRunsPairs) {
  const std::string dir = MakeTempDir();
  const std::string dataset = WriteSolvedDataset(dir);
  const std::string run = dir + "/oracle.jsonl";
  const std::vector<std::string> args = {"--dataset", dataset, "--policy", "oracle", "--out", run};
  const CommandOutput full = Eval(args);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_NE(full.err.find("3/4 correct"), std::string::npos) << full.err;
  const std::string content = ReadFile(run);

  // Resuming the first two problems only: nothing to do, and the tally is theirs, not the file's.
  std::vector<std::string> limited = args;
  limited.insert(limited.end(), {"--limit", "2", "--resume"});
  const CommandOutput r = Eval(limited);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2/2 correct"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(run), content);
}

TEST(EvalCommand, DuplicateProblemIds) {
  const std::string dir = MakeTempDir();
  const std::string dataset = dir + "/dup.jsonl";
  WriteFile(dataset,
            "{\"id\": \"x\", \"problem\": \"1+1?\", \"answer\": \"2\"}\n"
            "{\"id\": \"x\", \"problem\": \"2+2?\", \"answer\": \"4\"}\n");
  ExpectError(RunCommand(EvalArgs(dataset, dir + "/run.jsonl")), "two problems with id 'x'");
}

TEST(EvalCommand, EmptyDataset) {
  const std::string dir = MakeTempDir();
  const std::string dataset = dir + "/empty.jsonl";
  WriteFile(dataset, "\n");
  ExpectError(RunCommand(EvalArgs(dataset, dir + "/run.jsonl")), "has no problems");
}

TEST(EvalCommand, UnknownDatasetName) {
  ExpectError(Eval({"--dataset", "no-such-dataset", "--policy", "oracle", "--out",
                    MakeTempDir() + "/run.jsonl"}),
              "unknown dataset 'no-such-dataset'");
}

TEST(EvalCommand, MalformedDatasetLineNamesFileAndLine) {
  const std::string dir = MakeTempDir();
  const std::string dataset = dir + "/broken.jsonl";
  WriteFile(dataset, "{\"problem\": \"1+1?\", \"answer\": \"2\"}\n{\"problem\": \"2+2?\", \"answer\": \n");
  ExpectError(RunCommand(EvalArgs(dataset, dir + "/run.jsonl")), dataset + ":2");
}

TEST(EvalCommand, ZeroSamples) {
  const std::string dir = MakeTempDir();
  const auto args = EvalArgs(WriteDataset(dir, 2), dir + "/run.jsonl");
  ExpectError(RunCommand(WithFlag(args, "--samples", "0")), "--samples must be positive");
}

TEST(EvalCommand, MissingModelFile) {
  const std::string dir = MakeTempDir();
  const auto args = EvalArgs(WriteDataset(dir, 2), dir + "/run.jsonl");
  ExpectError(RunCommand(WithFlag(args, "--small", dir + "/missing.gguf")), "cannot open model file");
}

TEST(EvalCommand, UnknownPolicy) {
  const std::string dir = MakeTempDir();
  const auto args = EvalArgs(WriteDataset(dir, 2), dir + "/run.jsonl");
  ExpectError(RunCommand(WithFlag(args, "--policy", "r2r")), "r2r");
}

}  // namespace
}  // namespace relaygen
