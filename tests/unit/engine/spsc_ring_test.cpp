// The dispatcher -> worker ring: every item arrives once, in order, and neither side can sleep
// while the other waits for it (a lost wake-up hung `--threads 2` on the flow-dense capture).
#include "engine/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>
#include <thread>
#include <vector>

namespace baawatch::engine {
namespace {

struct Item {
  std::uint64_t value = 0;
  bool marker = false;  // the producer woke the consumer after this one
};

struct Outcome {
  std::uint64_t received = 0;
  std::uint64_t outOfOrder = 0;
  std::uint64_t markers = 0;
};

// Runs a producer and a consumer over one ring; both pause at random so that every interleaving
// of "ring full", "ring empty", publish and sleep comes up. A hang is reported and ends the test
// binary: the threads cannot be joined.
Outcome exchange(std::uint32_t slots, std::uint32_t wakeAt, std::uint64_t count, unsigned seed) {
  SpscRing<Item> ring(slots, wakeAt);
  Outcome outcome;
  std::thread consumer([&] {
    std::minstd_rand random(seed + 1);
    for (std::uint64_t expected = 0; expected < count; ++expected) {
      Item& item = ring.front();
      if (item.value != expected) ++outcome.outOfOrder;
      if (item.marker) ++outcome.markers;
      ++outcome.received;
      ring.pop();
      if (random() % 4096 == 0) std::this_thread::yield();
      if (random() % 65536 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  std::thread producer([&] {
    std::minstd_rand random(seed);
    for (std::uint64_t value = 0; value < count; ++value) {
      Item& item = ring.claim();
      item.value = value;
      // The last item is always a marker: the consumer must see it without more to come.
      item.marker = value + 1 == count || random() % 997 == 0;
      ring.commit();
      if (item.marker) ring.wakeConsumer();
      if (random() % 4096 == 0) std::this_thread::yield();
      if (random() % 65536 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  auto done = std::async(std::launch::async, [&] {
    producer.join();
    consumer.join();
  });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::fprintf(stderr, "SpscRing: producer and consumer still waiting after 60 s (%u slots, "
                 "wake at %u, seed %u): a lost wake-up\n", slots, wakeAt, seed);
    std::fflush(stderr);
    std::_Exit(1);
  }
  return outcome;
}

TEST(SpscRingTest, EveryItemArrivesOnceInOrderWithoutHangingSmallRing) {
  // A tiny ring is full or empty nearly all the time: the sleeps and wake-ups run constantly.
  // Several pairs at once give more threads than cores, so a thread is often preempted between
  // two steps of a hand-off, as it is in the pipeline (capture, workers, decision, writer).
  std::vector<std::future<Outcome>> pairs;
  for (unsigned seed = 1; seed <= 8; ++seed) {
    pairs.push_back(std::async(std::launch::async, [seed] { return exchange(64, 8, 300'000, seed); }));
  }
  for (unsigned seed = 1; seed <= 8; ++seed) {
    Outcome outcome = pairs[seed - 1].get();
    EXPECT_EQ(outcome.received, 300'000u) << "seed " << seed;
    EXPECT_EQ(outcome.outOfOrder, 0u) << "seed " << seed;
    EXPECT_GT(outcome.markers, 0u);
  }
}

TEST(SpscRingTest, EveryItemArrivesOnceInOrderWithoutHangingPipelineSize) {
  Outcome outcome = exchange(4096, 512, 2'000'000, 42);
  EXPECT_EQ(outcome.received, 2'000'000u);
  EXPECT_EQ(outcome.outOfOrder, 0u);
}

TEST(SpscRingTest, AMarkerReachesASleepingConsumerBelowTheWakeThreshold) {
  SpscRing<Item> ring(64, 32);
  std::promise<std::uint64_t> seen;
  std::thread consumer([&] {
    Item& item = ring.front();  // sleeps: nothing is there yet
    seen.set_value(item.value);
    ring.pop();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Item& item = ring.claim();
  item.value = 7;
  ring.commit();  // one item: under the batch and the wake threshold, so not yet delivered...
  ring.wakeConsumer();  // ...until the producer says so
  auto future = seen.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a woken consumer must see the item";
  EXPECT_EQ(future.get(), 7u);
  consumer.join();
}

}  // namespace
}  // namespace baawatch::engine
