// Helpers shared by the eval tests: where the datasets are, and temporary files.
#ifndef RELAYGEN_EVAL_EVAL_TEST_UTIL_H_
#define RELAYGEN_EVAL_EVAL_TEST_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "eval/dataset.h"

namespace relaygen {

// True if the shared datasets are readable (tests that need them GTEST_SKIP otherwise).
inline bool DatasetsAvailable() {
  std::ifstream in(DefaultDataDir() + "/math500/test.jsonl");
  return static_cast<bool>(in);
}

// A fresh directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/relaygen_eval_XXXXXX";
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    if (!path_.empty() && std::system(("rm -rf '" + path_ + "'").c_str()) != 0) {
      // Leftover temporary files are harmless.
    }
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream out(File(name), std::ios::binary);
    out << content;
  }

 private:
  std::string path_;
};

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_EVAL_TEST_UTIL_H_
