#include "baawatch/sink/async_sink.hpp"
#include "baawatch/common/thread_name.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <utility>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace baawatch::sink {
namespace {

// Idle targets are visited this often: bounds how long a spooled record waits after its
// receiver came back when no new record arrives to trigger delivery.
constexpr auto kIdleEvery = std::chrono::seconds(1);

}  // namespace

std::string newRunId() {
  std::random_device random;
  std::uint64_t value = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

Expected<std::unique_ptr<JsonFileTarget>, std::string> JsonFileTarget::open(
    const std::string& path, record::RecordFormat format) {
  auto file = JsonLinesSink::open(path);
  if (!file) return unexpected(file.error());
  return std::unique_ptr<JsonFileTarget>(new JsonFileTarget(path, format, std::move(*file)));
}

void JsonFileTarget::reopen() {
  if (path_ == "-") return;
  // Open the new file first: if that fails, keep writing to the old one rather than nowhere. When
  // the file at path_ is still the old one (no rotation), the new writer simply goes on with its
  // chain and the predecessor is not used.
  JsonLinesSinkOptions options;
  options.predecessor = file_->rotationLink();
  auto file = JsonLinesSink::open(path_, options);
  if (!file) {
    auto logger = spdlog::get("sink");
    if (!logger) logger = spdlog::stderr_color_mt("sink");
    logger->warn("cannot reopen {} ({}); writing goes on to the file already open", path_,
                 file.error());
    std::lock_guard lock(mutex_);
    retired_.add("sink.reopen_failed");
    return;
  }
  std::unique_ptr<JsonLinesSink> old;
  {
    std::lock_guard lock(mutex_);
    retired_.merge(file_->counters());
    old = std::exchange(file_, std::move(*file));
  }
  old.reset();  // flushes and closes outside the lock: counters() never waits for a disk
}

Counters JsonFileTarget::counters() const {
  std::lock_guard lock(mutex_);
  Counters merged = retired_;
  merged.merge(file_->counters());
  merged.add("sink.reopen_failed", 0);
  return merged;
}

AsyncSink::AsyncSink(std::vector<std::unique_ptr<SinkTarget>> targets, AsyncSinkOptions options)
    : targets_(std::move(targets)), options_(std::move(options)), thread_([this] {
        nameThisThread("bw-sink");
        run();
      }) {}

AsyncSink::~AsyncSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AsyncSink::write(const nlohmann::json& record) {
  nlohmann::json copy = record;
  if (!options_.recordIdPrefix.empty()) {
    copy["record_id"] = options_.recordIdPrefix + ":" + std::to_string(++sequence_);
  }
  {
    std::unique_lock lock(mutex_);
    if (queue_.size() >= options_.capacity) {
      if (!options_.waitWhenFull) {
        overflow_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      progress_.wait(lock, [this] { return queue_.size() < options_.capacity; });
    }
    queue_.push_back(std::move(copy));
    queued_.fetch_add(1, std::memory_order_relaxed);
    if (queue_.size() > highWater_.load(std::memory_order_relaxed)) {
      highWater_.store(queue_.size(), std::memory_order_relaxed);
    }
  }
  wake_.notify_one();
}

void AsyncSink::flush() {
  std::unique_lock lock(mutex_);
  std::uint64_t ticket = ++flushRequested_;
  wake_.notify_one();
  progress_.wait(lock, [&] { return flushDone_ >= ticket; });
}

void AsyncSink::reopen() {
  {
    std::lock_guard lock(mutex_);
    reopenRequested_ = true;
  }
  wake_.notify_one();
}

Counters AsyncSink::counters() const {
  Counters merged;
  merged.add("sink.queue.records", queued_.load(std::memory_order_relaxed));
  merged.add("sink.queue.overflow", overflow_.load(std::memory_order_relaxed));
  merged.add("sink.queue.high_water", highWater_.load(std::memory_order_relaxed));
  {
    std::lock_guard lock(mutex_);
    merged.add("sink.queue.backlog", queue_.size());
  }
  for (const auto& target : targets_) merged.merge(target->counters());
  return merged;
}

void AsyncSink::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    bool woken = wake_.wait_for(lock, kIdleEvery, [this] {
      return !queue_.empty() || stopping_ || reopenRequested_ || flushRequested_ > flushDone_;
    });
    std::deque<nlohmann::json> batch;
    batch.swap(queue_);
    bool reopen = std::exchange(reopenRequested_, false);
    std::uint64_t flushTicket = flushRequested_;
    bool stop = stopping_;
    lock.unlock();
    if (!batch.empty()) progress_.notify_all();  // room for producers waiting on a full queue

    for (const auto& record : batch) {
      for (auto& target : targets_) target->write(record);
    }
    if (reopen) {
      for (auto& target : targets_) target->reopen();
    }
    bool flush = flushTicket > flushDone_ || stop;
    if (flush) {
      for (auto& target : targets_) target->flush();
    } else if (!woken) {
      for (auto& target : targets_) target->idle();
    }

    lock.lock();
    if (flush) {
      // Every record written before request `flushTicket` was in this batch (both happen under
      // the mutex), so that request is complete even if newer records arrived meanwhile.
      if (flushTicket > flushDone_) flushDone_ = flushTicket;
      progress_.notify_all();
    }
    if (stop && queue_.empty()) return;
  }
}

}  // namespace baawatch::sink
