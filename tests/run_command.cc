#include "run_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace relaygen {
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectError(const CommandOutput& result, const std::string& message) {
  EXPECT_NE(result.exit_code, 0) << result.err;
  EXPECT_LT(result.exit_code, 128) << "crashed: " << result.err;  // an error, not a signal
  EXPECT_NE(result.err.find(message), std::string::npos) << "stderr: " << result.err;
}

std::vector<std::string> WithFlag(std::vector<std::string> args, const std::string& flag,
                                  const std::string& value) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) {
      args[i + 1] = value;
      return args;
    }
  }
  ADD_FAILURE() << "no " << flag << " in the arguments";
  return args;
}

CommandOutput RunCommand(const std::vector<std::string>& argv, const std::string& stdin_text) {
  // Temporary files rather than pipes: no deadlock however much the child prints.
  char out_path[] = "/tmp/relaygen-out-XXXXXX";
  char err_path[] = "/tmp/relaygen-err-XXXXXX";
  char in_path[] = "/tmp/relaygen-in-XXXXXX";
  const int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path), in_fd = mkstemp(in_path);
  if (write(in_fd, stdin_text.data(), stdin_text.size()) != static_cast<ssize_t>(stdin_text.size())) {
    std::abort();
  }
  lseek(in_fd, 0, SEEK_SET);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::perror("execv");
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  close(in_fd);
  CommandOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  unlink(out_path);
  unlink(err_path);
  unlink(in_path);
  return result;
}

std::string RelaygenBinary() { return RELAYGEN_BINARY; }

}  // namespace relaygen
