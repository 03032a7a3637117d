// A JSON-lines file that survives crashes: each line is written with one write() on an O_APPEND
// descriptor and fsynced before the writer goes on, so a process killed at any moment, even by
// SIGKILL, leaves at most one torn last line (no newline), which readers ignore and the next
// writer cuts off. An exclusive advisory lock (flock) keeps two writers off one file.
#ifndef RELAYGEN_UTIL_DURABLE_LINES_H_
#define RELAYGEN_UTIL_DURABLE_LINES_H_

#include <cstddef>
#include <string>
#include <vector>

namespace relaygen {

// The complete lines of `path` (without their newlines; {} when the file does not exist).
// *torn_bytes, if given, is the length of a last line without its newline.
std::vector<std::string> ReadCompleteLines(const std::string& path, std::size_t* torn_bytes = nullptr);

class DurableLineWriter {
 public:
  // Opens (creating) `path` for appending and locks it; a torn last line is cut off. Throws
  // relaygen::Error when the file cannot be opened or another process holds it.
  explicit DurableLineWriter(const std::string& path);
  ~DurableLineWriter();
  DurableLineWriter(const DurableLineWriter&) = delete;
  DurableLineWriter& operator=(const DurableLineWriter&) = delete;

  // Bytes of a torn last line that opening removed (0 if none).
  std::size_t torn_bytes() const { return torn_bytes_; }
  // Appends `line` (without a newline) plus "\n" and fsyncs. Throws relaygen::Error on I/O error.
  void Append(const std::string& line);

 private:
  std::string path_;
  int fd_ = -1;
  std::size_t torn_bytes_ = 0;
};

}  // namespace relaygen

#endif  // RELAYGEN_UTIL_DURABLE_LINES_H_
