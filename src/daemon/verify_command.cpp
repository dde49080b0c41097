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
                   "oldest first\n(e.g. alerts.jsonl-20250713 alerts.jsonl-20250714 alerts.jsonl): "
                   "each file must continue the one\nbefore it, so a missing file or records "
                   "removed at a file's end are found. A first file that\ncontinues one not "
                   "given is checked on its own, with a note that its link was not checked.\n"
                   "Exit status: 0 intact, 1 altered/inserted/removed records, a broken link "
                   "between files or\nan unreadable file, 2 usage.\n";
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
