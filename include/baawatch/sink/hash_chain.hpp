#pragma once
// The hash chain that makes a JSON-lines log tamper-evident (docs/tamper-evidence.md).
//
// Every record written to a file carries "chain": {"prev_hash", "hash"} where
//   hash = SHA-256( prev_hash || canonical text of the record without chain.hash )
// as lower-case hex. The canonical text is the compact dump JsonLinesSink writes
// (record::recordText): timestamp, event_type and record_id first, the other keys sorted, no
// spaces, invalid UTF-8 replaced by U+FFFD. Files from before the leading keys (every key sorted)
// still verify. The first record of a file is a `chain_start`
// record whose prev_hash is the file's anchor: SHA-256(file name "\n" creation time), or the last
// hash of the rotated file it continues (named in its `predecessor` field).
//
// Everything here is pure (no I/O) except verifyChainedLogs, which reads the files it is given.
// Errors are values: nothing throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace baawatch::sink {

// SHA-256 of `bytes` as 64 lower-case hex digits (OpenSSL EVP).
std::string sha256Hex(std::string_view bytes);

// The one serialisation used for writing and for hashing.
std::string canonicalRecordText(const nlohmann::json& record);

// prev_hash of a chain_start record that continues no other file.
std::string chainAnchor(std::string_view fileName, std::string_view created);

// Where a file's chain continues from after rotation.
struct ChainPredecessor {
  std::string file;      // the rotated file's name, as the operator will see it
  std::string lastHash;  // its last record's chain.hash
};

// Builds the chain_start record that opens a file (timestamp = created).
nlohmann::json chainStartRecord(std::string_view fileName, std::string_view created,
                                const std::optional<ChainPredecessor>& predecessor);

// Sets record["chain"] = {prev_hash, hash} and returns the line to write (no newline). The new
// hash is record["chain"]["hash"].
std::string sealRecord(nlohmann::json& record, const std::string& previousHash);

// The answer of `baawatch verify`.
struct ChainVerdict {
  bool intact = false;
  std::string file;          // where the first problem is (empty when intact)
  std::uint64_t line = 0;    // 1-based line of the first problem
  std::string problem;       // "altered", "inserted", "removed", "unreadable", "not_a_log", ...
  std::string message;       // one line for people, naming file:line
  std::uint64_t records = 0; // chained records checked, all files
  std::string lastHash;      // the last good hash (for an external checkpoint)
  std::vector<std::string> notes;  // recovered partial lines and other facts that are not tampering
  // False when the first file continues a file that was not given (its chain_start names a
  // predecessor): its own chain is checked, the link to the file before it cannot be.
  bool anchorChecked = true;
};

// The order in which files continue each other, whatever order they were given in. A file
// follows the one whose last record's hash its chain_start names (predecessor.last_hash); when
// no file given ends with that hash, the one whose name is predecessor.file (so a file whose end
// was cut is still placed after it, and verification names the gap). Files that follow none of
// the others come first, oldest chain_start first; files without a chain_start keep the order
// given, before the chained ones. Reads only each file's first line and its end.
struct ChainOrder {
  std::vector<std::string> paths;
  bool reordered = false;  // differs from the order given
};
ChainOrder chainOrder(const std::vector<std::string>& paths);

// Checks the files in the order given (oldest first when they are a rotation series). Each
// file's chain_start must continue the file given before it: its predecessor.last_hash is that
// file's last hash ("does not continue" otherwise: records removed from that file's end, a file
// missing in between, or files out of order), and a file that starts a new chain (no predecessor)
// cannot follow another one. The first file's link to a predecessor that was not given is left
// unchecked and said so in a note. Streams: memory does not grow with the files' size (a
// record copied from far back is then reported as a removal at the place it breaks the chain).
ChainVerdict verifyChainedLogs(const std::vector<std::string>& paths);

}  // namespace baawatch::sink
