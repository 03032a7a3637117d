// The grader against a labelled corpus (issue 16): src/eval/grader_corpus.tsv holds a few hundred
// (gold, model output, equal?) pairs in the styles real reasoning models write (several boxes,
// unboxed endings, inequalities, labelled answers, units, matrices, decimal commas, ...), with the
// near misses that must stay unequal. Every pair goes through GradeOutput exactly as a model's
// output would; the test prints agreement, false positives and false negatives per kind and the
// time per grade, and fails on any disagreement with a label.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "eval/grader.h"

#ifndef RELAYGEN_SOURCE_DIR
#define RELAYGEN_SOURCE_DIR "."
#endif

namespace relaygen {
namespace {

struct CorpusCase {
  int line = 0;
  std::string kind;
  bool equal = false;
  std::string gold;
  std::string output;
};

// "⏎" (U+23CE) in the file stands for a newline inside a model output.
std::string Unescape(std::string s) {
  const std::string mark = "\xE2\x8F\x8E";
  for (std::size_t pos = s.find(mark); pos != std::string::npos; pos = s.find(mark, pos + 1)) {
    s.replace(pos, mark.size(), "\n");
  }
  return s;
}

std::vector<CorpusCase> LoadCorpus(const std::string& path) {
  std::ifstream in(path);
  std::vector<CorpusCase> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab = line.find('\t'); fields.size() < 3 && tab != std::string::npos;
         tab = line.find('\t', start)) {
      fields.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    fields.push_back(line.substr(start));
    EXPECT_EQ(fields.size(), 4u) << path << ":" << number << ": expected 4 tab-separated fields";
    EXPECT_TRUE(fields[1] == "=" || fields[1] == "!=") << path << ":" << number;
    if (fields.size() != 4) continue;
    cases.push_back({number, fields[0], fields[1] == "=", fields[2], Unescape(fields[3])});
  }
  return cases;
}

bool Verdict(const CorpusCase& c, GraderKind grader) {
  EvalProblem problem;
  problem.kind = AnswerKind::kLatex;
  problem.answer = c.gold;
  return GradeOutput(c.output, problem, grader).correct;
}

std::vector<CorpusCase> Corpus() {
  return LoadCorpus(std::string(RELAYGEN_SOURCE_DIR) + "/src/eval/grader_corpus.tsv");
}

// Grades the corpus, prints agreement, false positives and false negatives per kind; returns the
// lines that disagree with their label.
std::vector<std::string> GradeCorpus(const std::vector<CorpusCase>& cases, GraderKind grader) {
  struct Tally {
    int n = 0, equal = 0, agree = 0, false_pos = 0, false_neg = 0;
  };
  std::map<std::string, Tally> kinds;
  Tally all;
  std::vector<std::string> disagreements;
  for (const CorpusCase& c : cases) {
    bool verdict = Verdict(c, grader);
    for (Tally* t : {&kinds[c.kind], &all}) {
      ++t->n;
      t->equal += c.equal;
      t->agree += verdict == c.equal;
      t->false_pos += verdict && !c.equal;
      t->false_neg += !verdict && c.equal;
    }
    if (verdict != c.equal) {
      disagreements.push_back("grader_corpus.tsv:" + std::to_string(c.line) + " [" + c.kind + "] gold '" +
                              c.gold + "' output '" + c.output + "'");
    }
  }
  std::printf("grader: %s\n", GraderName(grader));
  std::printf("%-8s %5s %5s %6s %4s %4s\n", "kind", "pairs", "equal", "agree", "FP", "FN");
  kinds["all"] = all;
  for (const auto& [kind, t] : kinds) {
    std::printf("%-8s %5d %5d %6d %4d %4d\n", kind.c_str(), t.n, t.equal, t.agree, t.false_pos,
                t.false_neg);
  }
  std::printf("agreement %.1f%% (%d/%d), false positives %d of %d unequal, false negatives %d of %d equal\n",
              100.0 * all.agree / all.n, all.agree, all.n, all.false_pos, all.n - all.equal,
              all.false_neg, all.equal);
  return disagreements;
}

TEST(GraderCorpusTest, AgreesWithEveryLabel) {
  std::vector<CorpusCase> cases = Corpus();
  ASSERT_GE(cases.size(), 300u);
  for (const std::string& line : GradeCorpus(cases, GraderKind::kRelaygen)) ADD_FAILURE() << line;

  // Time per grade (extraction + equivalence), reported, not asserted: the grader must stay far
  // below generation time, which is milliseconds per token.
  constexpr int kRounds = 20;
  auto start = std::chrono::steady_clock::now();
  int sink = 0;
  for (int r = 0; r < kRounds; ++r) {
    for (const CorpusCase& c : cases) sink += Verdict(c, GraderKind::kRelaygen);
  }
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  std::printf("time per grade: %.1f us/pair (%d grades, checksum %d)\n",
              us / (kRounds * static_cast<double>(cases.size())), kRounds * static_cast<int>(cases.size()),
              sink);
}

// The reference's grader (--grader reference) on the same corpus: reported, not asserted — it is
// meant to reproduce the reference's decisions, mistakes included.
TEST(GraderCorpusTest, ReferenceGraderReport) {
  std::vector<CorpusCase> cases = Corpus();
  ASSERT_GE(cases.size(), 300u);
  std::vector<std::string> disagreements = GradeCorpus(cases, GraderKind::kReference);
  EXPECT_LT(disagreements.size(), cases.size());
}

}  // namespace
}  // namespace relaygen
