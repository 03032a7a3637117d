#include "eval/run_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "eval/eval_test_util.h"
#include "util/error.h"

namespace relaygen {
namespace {

RunRecord Record(const std::string& id, int sample) {
  RunRecord r;
  r.id = id;
  r.dataset = "aime25";
  r.policy = "relay";
  r.sample = sample;
  r.text = "<think>\"quotes\" and\nnewlines</think> \\boxed{7}";
  r.extracted = "7";
  r.answer = "7";
  r.correct = true;
  r.large_tokens = 70;
  r.small_tokens = 30;
  r.switches_l_to_s = 4;
  r.switches_s_to_l = 3;
  r.large_utilization = 0.7;
  r.wall_ms = 1234.5;
  return r;
}

std::size_t CountLines(const std::string& path) {
  std::string text = ReadText(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(RunStoreTest, RoundTripKeepsEveryField) {
  TempDir dir;
  std::string path = dir.File("run.jsonl");
  {
    RunWriter writer(path, /*resume=*/false);
    RunRecord r = Record("I-1", 0);
    r.extra["seed"] = 42;
    writer.Append(r);
    writer.Append(Record("I-1", 1));
  }
  std::vector<RunRecord> read = ReadRunFile(path);
  ASSERT_EQ(read.size(), 2u);
  const RunRecord& r = read[0];
  EXPECT_EQ(r.id, "I-1");
  EXPECT_EQ(r.sample, 0);
  EXPECT_EQ(r.text, Record("I-1", 0).text);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.large_tokens, 70);
  EXPECT_EQ(r.switches_s_to_l, 3);
  EXPECT_DOUBLE_EQ(r.large_utilization, 0.7);
  EXPECT_DOUBLE_EQ(r.wall_ms, 1234.5);
  EXPECT_EQ(r.extra.at("seed"), 42);
  EXPECT_EQ(read[1].sample, 1);
  EXPECT_EQ(CountLines(path), 2u);
}

TEST(RunStoreTest, NeverOverwritesOrDuplicates) {
  TempDir dir;
  std::string path = dir.File("run.jsonl");
  RunWriter writer(path, false);
  writer.Append(Record("a", 0));
  EXPECT_THROW(writer.Append(Record("a", 0)), Error);
  // A second writer on the same file, resuming or not, is refused while the first holds it.
  EXPECT_THROW(RunWriter(path, true), Error);
}

TEST(RunStoreTest, RefusesAFinishedRunWithoutResume) {
  TempDir dir;
  std::string path = dir.File("run.jsonl");
  { RunWriter(path, false).Append(Record("a", 0)); }
  try {
    RunWriter again(path, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pass --resume"), std::string::npos);
  }
  RunWriter resumed(path, true);
  EXPECT_TRUE(resumed.Done(KeyOf(Record("a", 0))));
  EXPECT_FALSE(resumed.Done(KeyOf(Record("a", 1))));
}

// A process killed in the middle of write() leaves a line without its newline.
TEST(RunStoreTest, ResumeCutsATornLastLine) {
  TempDir dir;
  std::string path = dir.File("run.jsonl");
  {
    RunWriter writer(path, false);
    writer.Append(Record("a", 0));
    writer.Append(Record("b", 0));
  }
  std::size_t intact = ReadText(path).size();
  std::string torn = RunRecordToJson(Record("c", 0)).dump().substr(0, 40);
  { std::ofstream(path, std::ios::app | std::ios::binary) << torn; }

  std::size_t torn_bytes = 0;
  EXPECT_EQ(ReadRunFile(path, &torn_bytes).size(), 2u);
  EXPECT_EQ(torn_bytes, torn.size());
  {
    RunWriter writer(path, true);
    EXPECT_EQ(writer.torn_bytes(), torn.size());
    EXPECT_EQ(writer.existing().size(), 2u);
    EXPECT_EQ(ReadText(path).size(), intact);  // the torn bytes are gone from the file
    EXPECT_FALSE(writer.Done(KeyOf(Record("c", 0))));
    writer.Append(Record("c", 0));
  }
  std::vector<RunRecord> read = ReadRunFile(path, &torn_bytes);
  EXPECT_EQ(torn_bytes, 0u);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[2].id, "c");
}

TEST(RunStoreTest, CorruptCompleteLinesAreErrors) {
  TempDir dir;
  std::string line = RunRecordToJson(Record("a", 0)).dump() + "\n";
  auto message = [&](const std::string& content) {
    dir.Write("bad.jsonl", content);
    try {
      ReadRunFile(dir.File("bad.jsonl"));
    } catch (const Error& e) {
      std::string m = e.what();
      return m.substr(m.find("bad.jsonl"));
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(line + "{not json}\n" + line).substr(0, 29), "bad.jsonl:2: invalid JSON: [j");
  EXPECT_EQ(message(line + line), "bad.jsonl:2: duplicate line for aime25/relay id a sample 0");
  EXPECT_EQ(message("{\"id\": \"a\", \"dataset\": \"d\", \"policy\": \"p\", \"sample\": 0}\n"),
            "bad.jsonl:1: missing field 'correct'");
  EXPECT_EQ(message("{\"id\": 1, \"dataset\": \"d\", \"policy\": \"p\", \"sample\": 0, \"correct\": true}\n"),
            "bad.jsonl:1: field 'id' has the wrong type");
}

// The acceptance test: kill -9 a writer at a random point, resume, finish: every
// (problem, sample) is in the file exactly once.
TEST(RunStoreTest, SigkillThenResumeLosesAndDuplicatesNothing) {
  TempDir dir;
  std::string path = dir.File("run.jsonl");
  const int kProblems = 50, kSamples = 4;
  auto run_all = [&](RunWriter* writer, bool slow) {
    for (int p = 0; p < kProblems; ++p) {
      for (int s = 0; s < kSamples; ++s) {
        RunRecord r = Record("p" + std::to_string(p), s);
        if (writer->Done(KeyOf(r))) continue;
        writer->Append(r);
        if (slow) ::usleep(2000);
      }
    }
  };
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      RunWriter writer(path, true);
      run_all(&writer, true);
    } catch (...) {
      ::_exit(3);
    }
    ::pause();  // never finish on its own: the parent kills it
    ::_exit(0);
  }
  // Wait for 25 lines, while the child lives, for at most a minute (it needs 25 x 2 ms).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (CountLines(path) < 25) {
    int early = 0;
    const pid_t exited = ::waitpid(child, &early, WNOHANG);
    ASSERT_EQ(exited, 0) << "the writer died before it was killed: "
                         << (WIFEXITED(early) ? "exit code " + std::to_string(WEXITSTATUS(early))
                                              : "signal " + std::to_string(WTERMSIG(early)));
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
      FAIL() << "the writer wrote " << CountLines(path) << " lines in a minute";
    }
    ::usleep(500);
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  std::size_t written_before_kill = ReadRunFile(path).size();
  EXPECT_GE(written_before_kill, 25u);

  {
    RunWriter writer(path, true);
    EXPECT_EQ(writer.done().size(), written_before_kill);
    run_all(&writer, false);
  }
  std::vector<RunRecord> read = ReadRunFile(path);  // throws on any duplicate
  ASSERT_EQ(read.size(), static_cast<std::size_t>(kProblems * kSamples));
  std::set<RunKey> keys;
  for (const auto& r : read) keys.insert(KeyOf(r));
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kProblems * kSamples));
}

}  // namespace
}  // namespace relaygen
