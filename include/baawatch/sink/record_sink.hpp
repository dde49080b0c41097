#pragma once
// Where records go. A record is one JSON object; a JSON-lines sink writes it as one line.
// Thread: a sink is used by one thread at a time (the writer thread, or the packet thread when
// no writer thread is configured).
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/common/counters.hpp"
#include "baawatch/common/expected.hpp"
#include "baawatch/sink/hash_chain.hpp"

namespace baawatch::sink {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void write(const nlohmann::json& record) = 0;
  virtual void flush() = 0;
};

struct JsonLinesSinkOptions {
  // Chain every record written to a file (docs/tamper-evidence.md). stdout is never chained:
  // it has no file to anchor to and is read by programs, not kept as evidence.
  bool hashChain = true;
  // For a file that starts after rotation: the rotated file and its last hash, named in the
  // new file's chain_start record so `baawatch verify OLD NEW` checks the link. When not given,
  // a new file still names its predecessor if the state file beside it (`.NAME.chain`) says
  // which file was written at this path before (found by inode, its last hash read from it).
  std::optional<ChainPredecessor> predecessor;
  // Creation time written into chain_start (RFC 3339); empty: the wall clock. For tests.
  std::string createdAt;
};

// JSON lines to a file (appended) or to stdout ("-"). Each record goes out in one write(2) of
// the whole line, unbuffered, so a crash or power cut leaves at most one partial last line.
// Opening an existing file whose last line is partial (no '\n') reports it (counter
// `sink.partial_line_recovered`, a warning on the "sink" logger and a `sink_recovery` record
// naming the line) and starts on a fresh line. A record that cannot be written (disk full,
// quota) is counted (`sink.write_errors`) and logged when writes start failing, never thrown; a
// part of it already written is cut off again and the chain goes on from the last record written,
// so the file stays whole and verifiable and the gap shows in the record ids.
//
// A chained file keeps `.NAME.chain` beside it up to date (at open, flush and close, while the
// file is still the one at its path), so the next file at that path can name it as its
// predecessor even across a restart.
class JsonLinesSink : public RecordSink {
 public:
  static Expected<std::unique_ptr<JsonLinesSink>, std::string> open(const std::string& path);
  static Expected<std::unique_ptr<JsonLinesSink>, std::string> open(
      const std::string& path, const JsonLinesSinkOptions& options);
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;
  ~JsonLinesSink() override;
  void write(const nlohmann::json& record) override;
  // Files: fdatasync, so what was written survives a power cut. stdout: nothing to do.
  void flush() override;
  std::uint64_t written() const { return written_; }
  // sink.partial_line_recovered, sink.write_errors. Thread-safe (read while the writer thread
  // writes).
  Counters counters() const;
  // The chain's last hash (empty when not chained): the checkpoint to keep elsewhere, and the
  // predecessor hash for the file that follows a rotation.
  const std::string& lastHash() const { return lastHash_; }
  // What the file that follows this one names as its predecessor: this file's name now (where
  // logrotate moved it: its file name when it stayed in the same folder, else its full path, with
  // " (deleted)" when it was removed) and its last hash. Nothing for stdout or an unchained sink.
  std::optional<ChainPredecessor> rotationLink() const;

 private:
  JsonLinesSink(int fd, bool owned, bool chained) : fd_(fd), owned_(owned), chained_(chained) {}
  // False when the line could not be written whole (nothing of it is left in a file).
  bool writeLine(const std::string& line);
  // Records this file and its last hash in `.NAME.chain` if the file is still the one at path_.
  void saveChainState() const;
  int fd_;
  bool owned_;
  bool chained_;
  std::string path_;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  std::string lastHash_;
  std::uint64_t written_ = 0;
  bool failing_ = false;  // the last write failed: say so again only once writes work again
  std::atomic<std::uint64_t> partialLinesRecovered_{0};
  std::atomic<std::uint64_t> writeErrors_{0};
};

}  // namespace baawatch::sink
