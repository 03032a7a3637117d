// The run file: one JSON object per line per (problem, sample), appended as each completes and
// made durable (write + fsync) before the next starts, so that a run killed at any moment, even by
// SIGKILL, loses at most the line being written and resumes without duplicating anything.
//
// Line schema (docs/evaluation.md): id, dataset, policy, sample, text, extracted, answer, correct,
// large_tokens, small_tokens, switches_l_to_s, switches_s_to_l, large_utilization, wall_ms, plus
// any further fields the caller puts in `extra` (kept verbatim on read).
#ifndef RELAYGEN_EVAL_RUN_STORE_H_
#define RELAYGEN_EVAL_RUN_STORE_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "util/durable_lines.h"

namespace relaygen {

struct RunRecord {
  std::string id;
  std::string dataset;
  std::string policy;
  int sample = 0;
  std::string text;       // the full output (reasoning and answer)
  std::string extracted;  // the answer found in it ("" if none)
  std::string answer;     // the reference answer
  bool correct = false;
  std::int64_t large_tokens = 0;
  std::int64_t small_tokens = 0;
  std::int64_t switches_l_to_s = 0;
  std::int64_t switches_s_to_l = 0;
  double large_utilization = 0;  // large_tokens / all generated tokens, in [0, 1]
  double wall_ms = 0;            // wall time of the request; 0 when not timed (e.g. oracle)
  nlohmann::json extra = nlohmann::json::object();  // further fields, merged into the line
};

nlohmann::json RunRecordToJson(const RunRecord& record);
// Throws relaygen::Error prefixed with `where` ("run.jsonl:12") for a missing or mistyped field.
RunRecord RunRecordFromJson(const nlohmann::json& object, const std::string& where);

// What makes a line unique: the same (dataset, policy, id, sample) is never written twice.
using RunKey = std::tuple<std::string, std::string, std::string, int>;  // dataset, policy, id, sample
RunKey KeyOf(const RunRecord& record);

// Reads a run file. A last line without its newline is the torn write of a killed process: it is
// ignored (and *torn_bytes, if given, says how long it was). Any other malformed line throws with
// file:line. Duplicate keys throw too: they mean two writers shared a file.
std::vector<RunRecord> ReadRunFile(const std::string& path, std::size_t* torn_bytes = nullptr);

// Appends records to a run file. Holds an exclusive advisory lock (flock) while open, so that a
// second `relaygen eval` on the same file fails fast instead of interleaving lines.
class RunWriter {
 public:
  // resume = false: the file must not exist or be empty (never overwrite a finished run).
  // resume = true: reads the records already there, cuts a torn last line off the file, and
  // remembers their keys (Done / done()).
  RunWriter(const std::string& path, bool resume);
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  bool Done(const RunKey& key) const { return done_.count(key) != 0; }
  const std::set<RunKey>& done() const { return done_; }
  // Records present when the file was opened (resume only), in file order.
  const std::vector<RunRecord>& existing() const { return existing_; }
  // Bytes of a torn last line that resuming removed (0 if none).
  std::size_t torn_bytes() const { return lines_->torn_bytes(); }

  // Writes one line and fsyncs it. Throws relaygen::Error if the key is already done or on I/O error.
  void Append(const RunRecord& record);

 private:
  std::string path_;
  std::unique_ptr<DurableLineWriter> lines_;  // holds the file's lock while the writer lives
  std::set<RunKey> done_;
  std::vector<RunRecord> existing_;
};

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_RUN_STORE_H_
