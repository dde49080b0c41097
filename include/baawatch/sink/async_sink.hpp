#pragma once
// The writer thread: the packet thread hands records to AsyncSink::write(), which only queues
// them; one thread of its own writes them to every target (JSON file, syslog destinations), so
// the packet thread never waits on a disk or a network (STYLE.md §6).
//
// The queue is bounded. When it is full, a live capture drops the record and counts it
// (`sink.queue.overflow`) - the packet thread must keep up with the wire - while a file replay
// waits for room (back-pressure), since there no packet is lost by waiting.
//
// Every record gets `record_id` = "<sensor>:<run id>:<sequence>" before it is queued: the run id
// is random per process start, the sequence counts from 1, so the id is unique across restarts
// and a gap in the sequence shows a dropped record. Receivers drop duplicates by this id.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/common/counters.hpp"
#include "baawatch/record/ecs_record.hpp"
#include "baawatch/sink/record_sink.hpp"

namespace baawatch::sink {

// A destination driven by the writer thread. All methods but counters() run on that thread.
class SinkTarget : public RecordSink {
 public:
  // About once a second while no record arrives: retry connections, deliver spools.
  virtual void idle() {}
  // On SIGHUP: reopen files so logrotate's renamed file is let go.
  virtual void reopen() {}
  // Thread-safe: called by the stats reporter on the packet thread.
  virtual Counters counters() const { return {}; }
};

// JSON lines to a file or stdout, reopened on reopen() (the file name is kept). When logrotate
// renamed the file, the new one's chain_start names the renamed file and its last hash, so the
// chain goes on across the rotation (docs/tamper-evidence.md).
class JsonFileTarget : public SinkTarget {
 public:
  // `format`: the records as written; the file's own bookkeeping (chain_start, sink_recovery)
  // keeps the default form, so `baawatch verify` reads either.
  static Expected<std::unique_ptr<JsonFileTarget>, std::string> open(
      const std::string& path, record::RecordFormat format = record::RecordFormat::kDefault);
  void write(const nlohmann::json& record) override {
    file_->write(record::inFormat(record, format_));
  }
  void flush() override { file_->flush(); }
  void reopen() override;
  // The file writer's counters (sink.partial_line_recovered, sink.write_errors), summed over
  // every file opened so far, and sink.reopen_failed.
  Counters counters() const override;

 private:
  JsonFileTarget(std::string path, record::RecordFormat format, std::unique_ptr<JsonLinesSink> file)
      : path_(std::move(path)), format_(format), file_(std::move(file)) {}
  std::string path_;
  record::RecordFormat format_;
  // Replaced by reopen() on the writer thread, which alone writes through it; counters() reads
  // it from the packet thread under mutex_.
  std::unique_ptr<JsonLinesSink> file_;
  mutable std::mutex mutex_;
  Counters retired_;  // counters of files reopen() let go, and reopen failures
};

struct AsyncSinkOptions {
  std::size_t capacity = 65536;
  bool waitWhenFull = false;    // true for file replay (back-pressure), false for live capture
  std::string recordIdPrefix;   // "<sensor>:<run id>"; empty: no record_id is added
};

// A new random run id (16 hex digits) for record ids.
std::string newRunId();

class AsyncSink : public RecordSink {
 public:
  AsyncSink(std::vector<std::unique_ptr<SinkTarget>> targets, AsyncSinkOptions options);
  AsyncSink(const AsyncSink&) = delete;
  AsyncSink& operator=(const AsyncSink&) = delete;
  // Delivers everything still queued, flushes the targets, joins the thread.
  ~AsyncSink() override;

  void write(const nlohmann::json& record) override;
  // Returns once every record written before it has been handed to every target and the targets
  // were flushed (for a TCP syslog target: delivered or spooled).
  void flush() override;
  // Asks the writer thread to reopen its files (logrotate); returns at once.
  void reopen();
  // Thread-safe: queue counters and every target's.
  Counters counters() const;

 private:
  void run();

  std::vector<std::unique_ptr<SinkTarget>> targets_;
  AsyncSinkOptions options_;
  std::uint64_t sequence_ = 0;  // packet thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // writer waits for work
  std::condition_variable progress_;  // producers wait for room or a finished flush
  std::deque<nlohmann::json> queue_;
  std::uint64_t flushRequested_ = 0;
  std::uint64_t flushDone_ = 0;
  bool reopenRequested_ = false;
  bool stopping_ = false;

  std::atomic<std::uint64_t> queued_{0};
  std::atomic<std::uint64_t> overflow_{0};
  std::atomic<std::uint64_t> highWater_{0};
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace baawatch::sink
