// Subcommands of `relaygen`. Each lives in its own <name>_command.cc and registers itself with a
// static CommandRegistration, so adding a command touches no shared file:
//
//   CommandMain SetupGenerate(CLI::App* sub) {   // add options, return what runs the command
//     auto flags = std::make_shared<GenerateFlags>();
//     sub->add_option("-m,--model", flags->model, "...");
//     return [flags] { return RunGenerate(*flags); };
//   }
//   static CommandRegistration registration("generate", "Continue a prompt with one model", SetupGenerate);
//
// A command returns the process exit code; it reports bad input by throwing relaygen::Error,
// which main prints as "relaygen: error: <message>" with exit code 1.
#ifndef RELAYGEN_CLI_COMMAND_H_
#define RELAYGEN_CLI_COMMAND_H_

#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "util/error.h"

namespace CLI {
class App;
}

namespace relaygen {

using CommandMain = std::function<int()>;
using CommandSetup = CommandMain (*)(CLI::App* sub);

struct CommandInfo {
  std::string name;
  std::string description;
  CommandSetup setup;
};

// All registered commands, sorted by name.
std::vector<CommandInfo>& Commands();

struct CommandRegistration {
  CommandRegistration(const char* name, const char* description, CommandSetup setup);
};

// Runs a command: relaygen::Error (bad input) is printed as "relaygen: error: <message>" with exit
// code 1, any other exception as an internal error with code 2. Shared by relaygen and
// relaygen-train.
inline int RunReportingErrors(const CommandMain& run) {
  try {
    return run();
  } catch (const ContextOverflow& e) {
    // The engine speaks of the context window; the flag that sizes it is the CLI's.
    std::fprintf(stderr, "relaygen: error: %s (raise -c/--ctx-size)\n", e.what());
    return 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "relaygen: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relaygen: internal error: %s\n", e.what());
    return 2;
  }
}

}  // namespace relaygen

#endif  // RELAYGEN_CLI_COMMAND_H_
