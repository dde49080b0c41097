#include "baawatch/daemon/verify_command.hpp"

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/sink/hash_chain.hpp"

namespace baawatch::daemon {

int runVerifyCommand(int argc, char** argv) {
  std::vector<std::string> files;
  for (int index = 1; index < argc; ++index) {
    std::string_view argument = argv[index];
    if (argument == "-h" || argument == "--help") {
      std::cout << "usage: baawatch verify FILE...\n"
                   "Checks the hash chain of baawatch JSON-lines logs. Give a rotated series "
                   "oldest first.\nExit status: 0 intact, 1 altered/inserted/removed records or "
                   "an unreadable file, 2 usage.\n";
      return 0;
    }
    files.emplace_back(argument);
  }
  if (files.empty()) {
    std::cerr << "baawatch verify: give one or more JSON-lines files (oldest first)\n";
    return 2;
  }
  sink::ChainVerdict verdict = sink::verifyChainedLogs(files);
  // Notes (a line cut short by a crash) are facts an auditor should see, not tampering.
  for (const auto& note : verdict.notes) std::cout << "note: " << note << "\n";
  std::cout << verdict.message << "\n";
  return verdict.intact ? 0 : 1;
}

}  // namespace baawatch::daemon
