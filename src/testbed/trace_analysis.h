// Where a testbed trace goes wrong: copying a quantity (from the problem, or the value just
// computed) versus computing a step. RelayGen only pays off if the small model is sound on the
// easy (copying) segments, so the model card reports both rates per model.
#ifndef RELAYGEN_TESTBED_TRACE_ANALYSIS_H_
#define RELAYGEN_TESTBED_TRACE_ANALYSIS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "testbed/task.h"

namespace relaygen {

enum class TraceError {
  kNone,
  kCopy,       // a number that should repeat a known value differs (problem amount, previous result, restatement, box)
  kCompute,    // an equation "a op b = r" with r != a op b
  kStructure,  // a step skipped, repeated or missing
  kFormat,     // no </think> or no \boxed{}
};
const char* ToString(TraceError e);

struct TraceAnalysis {
  TraceError first_error = TraceError::kNone;  // in reading order
  int equations = 0;
  int compute_errors = 0;
  int copies = 0;  // numbers that should repeat a known value
  int copy_errors = 0;
};

// Compares a generated assistant turn with the problem's reference steps (Problem::response must
// be set: the test and calibration splits carry it). Throws relaygen::Error when it is missing.
TraceAnalysis AnalyzeTrace(const Problem& problem, const std::string& generated);

// Totals over many traces.
class ErrorTally {
 public:
  void Add(const TraceAnalysis& a, bool correct);
  // {"wrong", "first_error": {copy, compute, structure, format, none}, "copy_accuracy", "compute_accuracy"}
  nlohmann::json ToJson() const;

 private:
  int wrong_ = 0;
  int first_[5] = {0, 0, 0, 0, 0};
  long equations_ = 0, compute_errors_ = 0, copies_ = 0, copy_errors_ = 0;
};

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_TRACE_ANALYSIS_H_
