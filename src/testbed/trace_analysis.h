// Where a testbed trace goes wrong: copying a number the trace already holds (the value just
// computed, the step's operands), looking up the next change in the problem, or computing a step.
// RelayGen only pays off if the small model is sound on the easy (copying) segments it is handed,
// so the model card reports every rate per model.
#ifndef RELAYGEN_TESTBED_TRACE_ANALYSIS_H_
#define RELAYGEN_TESTBED_TRACE_ANALYSIS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "testbed/task.h"

namespace relaygen {

enum class TraceError {
  kNone,
  kCopy,       // a number that should repeat one the trace holds differs (restatement, operand, box)
  kLookup,     // the next change taken wrongly from the problem (its amount or its sign)
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
  int lookups = 0;  // the next change read from the problem (amount and sign)
  int lookup_errors = 0;
};

// Compares a generated assistant turn with the problem's reference steps (Problem::response must
// be set: the test and calibration splits carry it). Throws relaygen::Error when it is missing.
TraceAnalysis AnalyzeTrace(const Problem& problem, const std::string& generated);

// Totals over many traces.
class ErrorTally {
 public:
  void Add(const TraceAnalysis& a, bool correct);
  // {"wrong", "first_error": {none, copy, lookup, compute, structure, format}, "copy_accuracy",
  //  "lookup_accuracy", "compute_accuracy"}
  nlohmann::json ToJson() const;

 private:
  int wrong_ = 0;
  int first_[6] = {0, 0, 0, 0, 0, 0};
  long equations_ = 0, compute_errors_ = 0, copies_ = 0, copy_errors_ = 0, lookups_ = 0, lookup_errors_ = 0;
};

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_TRACE_ANALYSIS_H_
