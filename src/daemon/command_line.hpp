#pragma once
// The exit statuses every command uses, as `baawatch --help` and baawatch(8) state them, and the
// one way the commands parse their arguments with CLI11 so that they keep to them: CLI11's own
// codes (105 for a bad value, 109 for an unknown option, ...) are nobody's contract.
// Private to the daemon stage.
#include <optional>

namespace CLI {
class App;
}

namespace baawatch::daemon {

inline constexpr int kExitOk = 0;
// A runtime failure: an input that could not be read, an output that could not be written, a
// capture that failed, a log whose chain is broken.
inline constexpr int kExitRuntime = 1;
// A usage or configuration error: unknown option, bad value, missing argument, bad config file.
inline constexpr int kExitUsage = 2;

// Parses argv into `app`. Returns nothing when the command should go on; otherwise the status
// to exit with after CLI11 printed what was asked for or what was wrong: kExitOk for --help,
// kExitUsage for every parse or validation error.
std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv);

}  // namespace baawatch::daemon
