#pragma once
// What lets a new log file name the file its chain continues (docs/tamper-evidence.md,
// "Rotation"). Beside every chained log `DIR/NAME` lives a small state file `DIR/.NAME.chain`
// that says which file was last written at that path (device and inode, its name, its last hash
// when the state was saved). When a process opens `DIR/NAME` and finds a file without a chain
// (logrotate renamed the old one while baawatch was stopped, or an operator moved it away), the
// state tells where the previous file is now (found by inode in DIR) and so which hash to continue
// from.
//
// Private to the sink stage. Everything returns values; nothing throws. Writes are atomic
// (temporary file, then rename), so a crash leaves the old state or the new one, never half.
#include <cstdint>
#include <optional>
#include <string>

namespace baawatch::sink {

struct ChainState {
  std::string file;             // the log's file name (no folder) when the state was saved
  std::uint64_t device = 0;     // st_dev of that file
  std::uint64_t inode = 0;      // st_ino of that file
  std::string lastHash;         // its chain's last hash when the state was saved
};

// DIR/.NAME.chain for DIR/NAME.
std::string chainStatePath(const std::string& logPath);

// The saved state, or nothing when there is none or it is not one (a damaged state file is
// ignored: it can only cost the link, never a record).
std::optional<ChainState> readChainState(const std::string& logPath);

// Replaces the state atomically; false when the folder is not writable.
bool writeChainState(const std::string& logPath, const ChainState& state);

// The path of the file with this device and inode among the entries of `folder` (not recursive),
// or nothing. Finds where logrotate (rename, dateext) put the previous file.
std::optional<std::string> findFileByInode(const std::string& folder, std::uint64_t device,
                                           std::uint64_t inode);

// Where the file open as `fd` is now (Linux /proc/self/fd), e.g. "/var/log/baawatch/a.jsonl.1",
// ending in " (deleted)" when it was removed; nothing when /proc is not mounted.
std::optional<std::string> currentPathOf(int fd);

}  // namespace baawatch::sink
