#include "util/durable_lines.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace relaygen {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

std::vector<std::string> ReadCompleteLines(const std::string& path, std::size_t* torn_bytes) {
  if (torn_bytes != nullptr) *torn_bytes = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  const std::size_t last = content.rfind('\n');
  const std::size_t complete = last == std::string::npos ? 0 : last + 1;
  if (torn_bytes != nullptr) *torn_bytes = content.size() - complete;
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < complete;) {
    const std::size_t end = content.find('\n', start);
    lines.push_back(content.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

DurableLineWriter::DurableLineWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open " + path + ": " + ErrnoText());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw Error(path + " is in use by another process");
  }
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    ::close(fd_);
    throw Error("cannot stat " + path + ": " + ErrnoText());
  }
  ReadCompleteLines(path, &torn_bytes_);
  if (torn_bytes_ > 0 && ::ftruncate(fd_, st.st_size - static_cast<off_t>(torn_bytes_)) != 0) {
    ::close(fd_);
    throw Error("cannot cut the torn last line of " + path + ": " + ErrnoText());
  }
}

DurableLineWriter::~DurableLineWriter() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

void DurableLineWriter::Append(const std::string& line) {
  // One write() per line: O_APPEND places it at the end in one piece; a kill mid-write can only
  // leave a prefix without its newline, which ReadCompleteLines leaves out.
  const std::string data = line + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write " + path_ + ": " + ErrnoText());
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) throw Error("cannot fsync " + path_ + ": " + ErrnoText());
}

}  // namespace relaygen
