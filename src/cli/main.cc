// relaygen: segment-level relay between a large and a small reasoning model.
// main() only dispatches to the subcommands in *_command.cc (see command.h).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "cli/command.h"
#include "cli/flags.h"
#include "util/error.h"

namespace relaygen {

std::vector<CommandInfo>& Commands() {
  static std::vector<CommandInfo> commands;
  return commands;
}

CommandRegistration::CommandRegistration(const char* name, const char* description,
                                         CommandSetup setup) {
  Commands().push_back({name, description, setup});
}

}  // namespace relaygen

int main(int argc, char** argv) {
  using relaygen::Commands;
  CLI::App app{"relaygen: a large reasoning model writes the hard segments, a small one the easy ones"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("relaygen 0.1.0"));

  auto& commands = Commands();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, relaygen::CommandMain>> subs;
  for (const auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    subs.emplace_back(sub, command.setup(sub));
  }

  try {
    // llama.cpp's multi-letter short flags (-ngl, -ctk, …), which CLI11 cannot declare.
    std::vector<std::string> args = relaygen::ExpandLlamaShortFlags(argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // prints usage errors (unknown flag, bad value) with a non-zero code
  }
  for (auto& [sub, run] : subs) {
    if (sub->parsed()) return relaygen::RunReportingErrors(run);
  }
  return 1;
}
