#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace relaygen {

Progress::Progress(std::string label, int total)
    : label_(std::move(label)),
      total_(total),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() {
  if (tty_ && drawn_) std::fputc('\n', stderr);
}

std::string Progress::FormatDuration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof(buf), "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(buf, sizeof(buf), "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof(buf), "%lds", s);
  return buf;
}

void Progress::Update(int done, const std::string& note) {
  const auto now = std::chrono::steady_clock::now();
  if (first_done_ < 0) {
    first_done_ = done;  // resumed work was not done in this run: keep it out of the rate
    start_ = now;
  }
  done_ = done;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int fresh = done - first_done_;
  const double rate = elapsed > 0 && fresh > 0 ? fresh / elapsed : 0;
  const bool finished = done >= total_;
  if (!tty_ && !finished && std::chrono::duration<double>(now - last_print_).count() < 30) return;
  last_print_ = now;

  std::string eta = rate > 0 ? FormatDuration((total_ - done) / rate) : "?";
  const double pct = total_ > 0 ? 100.0 * done / total_ : 100.0;
  char line[512];
  if (tty_) {
    const int width = 24, filled = total_ > 0 ? width * done / total_ : width;
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::snprintf(line, sizeof(line), "\r[%s] [%s] %d/%d %5.1f%% | %.2f/s | ETA %s | %s\x1b[K",
                  label_.c_str(), bar.c_str(), done, total_, pct, rate, eta.c_str(), note.c_str());
  } else {
    std::snprintf(line, sizeof(line), "[%s] %d/%d (%.1f%%) | %.2f/s | ETA %s | %s\n", label_.c_str(),
                  done, total_, pct, rate, eta.c_str(), note.c_str());
  }
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace relaygen
