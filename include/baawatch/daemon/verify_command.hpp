#pragma once
// `baawatch verify FILE...`: checks the hash chain of JSON-lines logs (docs/tamper-evidence.md).
// Prints "intact: ..." or the first altered, inserted or removed record as "file:line: ..." on
// stdout. Exit status: 0 intact, 1 not intact, unreadable or not a log, 2 usage error.
namespace baawatch::daemon {

// argv[0] is "verify"; the rest are files, in any order: a rotated series is put in chain order
// (sink::chainOrder) before it is checked.
int runVerifyCommand(int argc, char** argv);

}  // namespace baawatch::daemon
