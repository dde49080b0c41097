#pragma once
// A bounded single-producer single-consumer ring of reusable slots, for the dispatcher -> worker
// hand-off of the sharded pipeline.
//
// Promise: every item the producer commits is seen by the consumer once, in order, once it has
// been published (commit() publishes every kBatch items, wakeConsumer() at once).
// Neither side spins: a side that finds the ring full (or empty) raises a flag and sleeps on a
// condition variable, and the other side wakes it only then, and only once there is a
// worthwhile amount to do (half the ring free; `wakeAt` items ready, or an explicit
// wakeConsumer()), so on a machine with fewer cores than threads the two trade the CPU in long
// turns instead of once per packet.
//
// Slots are reused, not destroyed: an item's buffers keep their capacity from lap to lap.
#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace baawatch::engine {

template <typename Item>
class SpscRing {
 public:
  static constexpr std::uint32_t kBatch = 32;

  // `slots` must be a power of two and at least 2 * kBatch; `wakeAt` is how many ready items wake
  // a sleeping consumer without an explicit wakeConsumer().
  explicit SpscRing(std::uint32_t slots = 4096, std::uint32_t wakeAt = 512)
      : slots_(slots), mask_(slots - 1), wakeAt_(std::min(wakeAt, slots / 2)) {
    assert(slots >= 2 * kBatch && (slots & (slots - 1)) == 0);
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // ---- Producer side: claim() a slot, fill it, commit(). ----

  Item& claim() {
    if (tail_ - cachedHead_ >= capacity()) {
      cachedHead_ = head_.load(std::memory_order_acquire);
      if (tail_ - cachedHead_ >= capacity()) waitForRoom();
    }
    return slots_[tail_ & mask_];
  }

  void commit() {
    ++tail_;
    if (tail_ - published_.load(std::memory_order_relaxed) >= kBatch) publish(false);
  }

  // Makes every committed item visible and wakes a sleeping consumer: for markers the consumer
  // must act on now (a quiet wire's sync, stop).
  void wakeConsumer() { publish(true); }

  // ---- Consumer side: front() waits for an item, pop() frees it. ----

  Item& front() {
    if (consumed_ == cachedTail_) {
      cachedTail_ = published_.load(std::memory_order_acquire);
      if (consumed_ == cachedTail_) waitForItems();
    }
    return slots_[consumed_ & mask_];
  }

  void pop() {
    ++consumed_;
    if (consumed_ % kBatch == 0) releaseSlots();
  }

 private:
  std::uint32_t capacity() const { return mask_ + 1; }

  void publish(bool wake) {
    if (published_.load(std::memory_order_relaxed) != tail_) {
      published_.store(tail_, std::memory_order_seq_cst);
    }
    if (!wake && tail_ - consumedSeen() < wakeAt_) return;
    // The flag is read after the store above and the consumer raises it before it reads
    // published_ again (both seq_cst): one of the two sees the other. Notifying under the mutex
    // cannot fall between the consumer's last look and its wait.
    if (consumerSleeping_.load(std::memory_order_seq_cst)) {
      std::lock_guard lock(sleepMutex_);
      itemsReady_.notify_one();
    }
  }

  void waitForItems() {
    releaseSlots();  // the producer may be waiting for room
    std::unique_lock lock(sleepMutex_);
    consumerSleeping_.store(true, std::memory_order_seq_cst);
    for (;;) {
      cachedTail_ = published_.load(std::memory_order_seq_cst);
      if (consumed_ != cachedTail_) break;
      itemsReady_.wait(lock);
    }
    consumerSleeping_.store(false, std::memory_order_relaxed);
  }

  void waitForRoom() {
    wakeConsumer();  // the consumer must see everything before we wait for it
    std::unique_lock lock(sleepMutex_);
    producerSleeping_.store(true, std::memory_order_seq_cst);
    for (;;) {
      cachedHead_ = head_.load(std::memory_order_seq_cst);
      if (tail_ - cachedHead_ < capacity()) break;
      roomReady_.wait(lock);
    }
    producerSleeping_.store(false, std::memory_order_relaxed);
  }

  // What the producer knows the consumer has freed: a lower bound of what it has consumed.
  std::uint32_t consumedSeen() const { return head_.load(std::memory_order_relaxed); }

  void releaseSlots() {
    if (head_.load(std::memory_order_relaxed) != consumed_) {
      head_.store(consumed_, std::memory_order_seq_cst);
    }
    // Wake a producer waiting for room only once half the ring is free (or all of it, when the
    // consumer is about to sleep), so it gets a long turn.
    if (cachedTail_ - consumed_ <= capacity() / 2 &&
        producerSleeping_.load(std::memory_order_seq_cst)) {
      std::lock_guard lock(sleepMutex_);
      roomReady_.notify_one();
    }
  }

  std::vector<Item> slots_;
  std::uint32_t mask_;
  std::uint32_t wakeAt_;
  // Positions count up and wrap; their difference is what matters (unsigned arithmetic).
  alignas(64) std::atomic<std::uint32_t> head_{0};       // freed by the consumer
  std::atomic<bool> producerSleeping_{false};
  alignas(64) std::atomic<std::uint32_t> published_{0};  // visible to the consumer
  std::atomic<bool> consumerSleeping_{false};
  // Only for sleeping and waking: the hand-off itself never takes it.
  alignas(64) std::mutex sleepMutex_;
  std::condition_variable itemsReady_;
  std::condition_variable roomReady_;
  alignas(64) std::uint32_t tail_ = 0;                    // producer's own: next slot to fill
  std::uint32_t cachedHead_ = 0;
  alignas(64) std::uint32_t consumed_ = 0;                // consumer's own: next slot to read
  std::uint32_t cachedTail_ = 0;
};

}  // namespace baawatch::engine
