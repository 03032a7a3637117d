// Runs a program the way a user would and captures what it printed (for CLI tests).
#ifndef RELAYGEN_TESTS_RUN_COMMAND_H_
#define RELAYGEN_TESTS_RUN_COMMAND_H_

#include <string>
#include <vector>

namespace relaygen {

struct CommandOutput {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] with arguments argv[1..] (no shell), optionally feeding `stdin_text`.
CommandOutput RunCommand(const std::vector<std::string>& argv, const std::string& stdin_text = "");

// The relaygen executable of this build.
std::string RelaygenBinary();

// Expects a clean failure: non-zero exit (not a signal) with `message` in stderr.
void ExpectError(const CommandOutput& result, const std::string& message);

// `args` with the value after `flag` replaced (CLI11 refuses a repeated single-value option).
std::vector<std::string> WithFlag(std::vector<std::string> args, const std::string& flag,
                                  const std::string& value);

// The whole file ("" if it cannot be read).
std::string ReadFile(const std::string& path);

}  // namespace relaygen

#endif  // RELAYGEN_TESTS_RUN_COMMAND_H_
