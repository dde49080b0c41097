#pragma once
// The progress line of a replay (`baawatch -r`) on a terminal: the file, the share of its bytes
// read, packets per second and the time left for the whole replay, redrawn in place on stderr at
// most four times a second and cleared at the end of each file, so that what stays on the
// terminal is the log and the summary. main() shows it only when stderr is a terminal: a log file
// or a pipe never gets carriage returns. Private to the daemon stage.
// Thread: the packet thread (it is the replay's RunControl).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/engine/source_runner.hpp"

namespace baawatch::daemon {

struct ProgressView {
  std::string file;             // shown by its last path element
  std::size_t fileNumber = 1;   // 1-based
  std::size_t fileCount = 1;
  std::optional<double> fraction;          // of this file's bytes; none: its size is unknown
  std::optional<double> packetsPerSecond;  // none: too early to say
  std::optional<double> secondsLeft;       // of the whole replay; none: unknown yet
};

// One line of at most `width` - 1 characters (a terminal never wraps it), without a newline:
// "capture.pcap (2/5)  41%  52,300 packets/s  0:12 left".
std::string progressLine(const ProgressView& view, std::size_t width);

struct ReplayProgressOptions {
  int fd = 2;                                     // the terminal
  std::chrono::milliseconds interval{250};        // between two redraws, at least
  std::function<std::chrono::steady_clock::time_point()> now;  // empty: steady_clock (tests set it)
};

class ReplayProgress final : public engine::RunControl {
 public:
  // `totalBytes`: the size of all files of the replay together (0 when one is unknown).
  ReplayProgress(std::size_t fileCount, std::uint64_t totalBytes, ReplayProgressOptions options);
  ReplayProgress(const ReplayProgress&) = delete;
  ReplayProgress& operator=(const ReplayProgress&) = delete;
  ~ReplayProgress() override;  // clears the line

  // Before runSource() with this control; `source` must stay valid until end().
  void begin(const capture::PcapFileSource& source);
  // After runSource(): clears the line (the caller logs next).
  void end();

  void wait(int fd, int timeoutMillis) override;
  // Draws the line when the last one is `interval` old (the first one at once).
  engine::RunOn betweenPackets() override;

 private:
  std::chrono::steady_clock::time_point now() const;
  void draw();
  void clear();

  std::size_t fileCount_;
  std::uint64_t totalBytes_;
  ReplayProgressOptions options_;
  const capture::PcapFileSource* source_ = nullptr;
  std::size_t fileNumber_ = 0;
  std::uint64_t bytesBefore_ = 0;    // of the files finished
  std::uint64_t packetsBefore_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> lastDraw_;
  bool visible_ = false;
};

}  // namespace baawatch::daemon
