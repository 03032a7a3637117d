#include "test_models.h"

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <stdexcept>

namespace relaygen {

namespace {

// ggml's worker threads spin while they wait; with parallel test processes on a small machine,
// multi-threaded contexts slow down by orders of magnitude. Tests (and the relaygen processes they
// start, which inherit the environment) run models on one thread unless told otherwise.
const bool kOneThread = [] { return setenv("RELAYGEN_THREADS", "1", /*overwrite=*/0) == 0; }();

bool Stat(const std::string& path, struct stat* st) { return ::stat(path.c_str(), st) == 0; }

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string RequireFile(const std::string& path, const char* what) {
  struct stat st;
  if (!Stat(path, &st)) throw std::runtime_error(std::string(what) + " not found: " + path);
  return path;
}

}  // namespace

std::string TestDataPath(const std::string& name) {
  const char* dir_env = std::getenv("RELAYGEN_TEST_DATA");
  const std::string dir = dir_env && *dir_env ? dir_env : "testdata";
  ::mkdir(dir.c_str(), 0755);  // may exist already
  return dir + "/" + name;
}

std::string TestModelPath(const std::string& name, const std::vector<std::string>& args) {
  static const std::map<std::string, std::vector<std::string>> kStandard = {
      {"tiny.gguf", {"--seed", "1"}},
      {"tiny-b.gguf", {"--seed", "2"}},
      {"tiny-f16.gguf", {"--seed", "1", "--type", "f16"}},
      {"tiny-q8_0.gguf", {"--seed", "1", "--type", "q8_0"}},
  };
  std::vector<std::string> tool_args = args;
  if (tool_args.empty()) {
    auto it = kStandard.find(name);
    if (it == kStandard.end()) throw std::runtime_error("TestModelPath: unknown standard model " + name);
    tool_args = it->second;
  }
  const std::string path = TestDataPath(name);
  const std::string tool = RELAYGEN_MAKE_TEST_MODEL;
  struct stat model_st, tool_st;
  if (Stat(path, &model_st) && (!Stat(tool, &tool_st) || model_st.st_mtime >= tool_st.st_mtime)) return path;
  std::string cmd = Quote(tool) + " --out " + Quote(path);
  for (const std::string& a : tool_args) cmd += " " + Quote(a);
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("TestModelPath: failed: " + cmd);
  return RequireFile(path, "test model");
}

std::string LlamaVocabPath(const std::string& file) {
  return RequireFile(std::string(LLAMA_VOCAB_DIR) + "/" + file, "llama.cpp vocab file");
}

std::string LlamaToolPath(const std::string& tool) {
  return RequireFile(std::string(LLAMA_BIN_DIR) + "/" + tool, "llama.cpp tool");
}

std::string TemplatePath(const std::string& file) {
  return RequireFile(std::string(RELAYGEN_SOURCE_DIR) + "/testdata/templates/" + file, "chat template");
}

std::string RealShapedModelPath(const std::string& family, const std::string& role) {
  if (family != "qwen3" && family != "r1-distill") throw std::runtime_error("RealShapedModelPath: unknown family " + family);
  const bool qwen3 = family == "qwen3";
  std::vector<std::string> args = {
      "--arch", qwen3 ? "qwen3" : "qwen2", "--vocab-from", LlamaVocabPath("ggml-vocab-qwen2.gguf"),
      "--tokens", family, "--chat-template",
      TemplatePath(qwen3 ? "Qwen-Qwen3-0.6B.jinja" : "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"),
      "--n-layer", "2", "--n-ctx", "4096"};
  const std::vector<std::string> large = {"--n-embd", "256", "--n-head", "4", "--n-head-kv", "2", "--n-ff", "256",
                                          "--type", "q4_k", "--seed", qwen3 ? "31" : "41"};
  const std::vector<std::string> small = {"--n-embd", "128", "--n-head", "2", "--n-head-kv", "1", "--n-ff", "256",
                                          "--type", "q8_0", "--seed", qwen3 ? "32" : "42"};
  if (role == "large" || role == "large-thinks-no-more") {
    args.insert(args.end(), large.begin(), large.end());
    if (role != "large") args.insert(args.end(), {"--force-token", "</think>"});
    // R1-Distill-Qwen-32B pads its vocabulary to 152,064 rows, the 1.5B to 151,936.
    if (!qwen3) args.insert(args.end(), {"--n-vocab", "152064"});
  } else if (role == "small" || role == "small-writes-a-lead-byte") {
    args.insert(args.end(), small.begin(), small.end());
    // "ä" is byte 0xE4 in the byte-level alphabet: the first byte of a 3-byte character (中).
    if (role != "small") args.insert(args.end(), {"--force-token", "\u00e4"});
  } else {
    throw std::runtime_error("RealShapedModelPath: unknown role " + role);
  }
  return TestModelPath("real-" + family + "-" + role + ".gguf", args);
}

std::string BundledModelFile(const std::string& file) { return std::string(RELAYGEN_SOURCE_DIR) + "/models/" + file; }

}  // namespace relaygen
