#include "baawatch/daemon/verify_command.hpp"

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/sink/hash_chain.hpp"
// Private header of the daemon stage, beside this file.
#include "command_line.hpp"

namespace baawatch::daemon {

int runVerifyCommand(int argc, char** argv) {
  std::vector<std::string> files;
  bool options = true;  // until "--": after it every argument is a file, even "-x"
  for (int index = 1; index < argc; ++index) {
    std::string_view argument = argv[index];
    if (options && argument == "--") {
      options = false;
      continue;
    }
    if (options && argument.size() > 1 && argument.front() == '-' && argument != "-h" &&
        argument != "--help") {
      std::cerr << "baawatch verify: unknown option " << argument
                << " (a file whose name starts with '-' goes after --)\n"
                   "Run with --help for more information.\n";
      return kExitUsage;
    }
    if (options && (argument == "-h" || argument == "--help")) {
      std::cout << "usage: baawatch verify [--] FILE...\n"
                   "Checks the hash chain of baawatch JSON-lines logs. The files of a rotated series "
                   "may be given\nin any order (e.g. alerts.jsonl alerts.jsonl-2025*): they are put "
                   "in chain order first, by\nthe predecessor each file's chain_start names, and "
                   "each file must continue the one before it,\nso a missing file or records "
                   "removed at a file's end are found. A first file that continues one\nnot given "
                   "is checked on its own, with a note that its link was not checked.\n"
                   "Exit status: 0 intact, 1 altered/inserted/removed records, a broken link "
                   "between files, an\nunreadable file or one that is not a baawatch log, 2 usage.\n";
      return kExitOk;
    }
    files.emplace_back(argument);
  }
  if (files.empty()) {
    std::cerr << "baawatch verify: give one or more JSON-lines files\n";
    return kExitUsage;
  }
  sink::ChainOrder order = sink::chainOrder(files);
  if (order.reordered) {
    std::string list;
    for (const auto& file : order.paths) list += (list.empty() ? "" : " ") + file;
    std::cout << "note: checked in chain order: " << list << "\n";
  }
  sink::ChainVerdict verdict = sink::verifyChainedLogs(order.paths);
  // Notes (a line cut short by a crash) are facts an auditor should see, not tampering.
  for (const auto& note : verdict.notes) std::cout << "note: " << note << "\n";
  std::cout << verdict.message << "\n";
  return verdict.intact ? kExitOk : kExitRuntime;
}

}  // namespace baawatch::daemon
