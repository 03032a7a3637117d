// A progress line on stderr for long runs: a bar with rate and ETA redrawn in place on a
// terminal; on a pipe or log file, a plain line at most every 30 seconds (and at the end).
#ifndef RELAYGEN_UTIL_PROGRESS_H_
#define RELAYGEN_UTIL_PROGRESS_H_

#include <chrono>
#include <string>

namespace relaygen {

class Progress {
 public:
  Progress(std::string label, int total);
  ~Progress();  // finishes the line

  // `done` items of `total` are finished; `note` is shown after the numbers (e.g. accuracy).
  void Update(int done, const std::string& note = "");

  // "1h02m", "3m05s", "42s".
  static std::string FormatDuration(double seconds);

 private:
  std::string label_;
  int total_;
  int done_ = 0;
  int first_done_ = -1;  // items already done when timing started (resumed runs)
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace relaygen

#endif  // RELAYGEN_UTIL_PROGRESS_H_
