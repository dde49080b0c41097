#include "command_line.hpp"

#include <CLI/CLI.hpp>

namespace baawatch::daemon {

std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    // app.exit() prints the help, or the message and the usage hint; CLI11's "success" kinds
    // (--help, --help-all) return 0, every other kind is a usage error to us.
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
}

}  // namespace baawatch::daemon
