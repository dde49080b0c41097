#include "replay_progress.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "replay_summary.hpp"

namespace baawatch::daemon {
namespace {

// ECMA-48: carriage return, then "erase in line" from the cursor to its end.
constexpr std::string_view kClearLine = "\r\x1b[K";

// A rate or a time left from less than this is noise.
constexpr double kSettleSeconds = 0.5;

std::string clockText(double seconds) {
  auto whole = static_cast<std::uint64_t>(std::llround(seconds));
  if (whole >= 3600) return fmt::format("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60);
  return fmt::format("{}:{:02}", whole / 60, whole % 60);
}

std::size_t terminalWidth(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void writeAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t written = ::write(fd, text.data(), text.size());
    if (written <= 0) return;  // a closed terminal loses its progress line, nothing else
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

std::string progressLine(const ProgressView& view, std::size_t width) {
  std::string tail;
  if (view.fileCount > 1) tail += fmt::format(" ({}/{})", view.fileNumber, view.fileCount);
  if (view.fraction) {
    tail += fmt::format("  {:3}%", static_cast<int>(std::floor(*view.fraction * 100)));
  }
  tail += view.packetsPerSecond
              ? "  " + groupDigits(static_cast<std::uint64_t>(std::llround(*view.packetsPerSecond))) +
                    " packets/s"
              : std::string("  -- packets/s");
  tail += view.secondsLeft ? "  " + clockText(*view.secondsLeft) + " left" : std::string("  --:-- left");

  std::string name = std::filesystem::path(view.file).filename().string();
  if (name.empty()) name = view.file;
  std::size_t limit = width > 1 ? width - 1 : 0;
  if (name.size() + tail.size() > limit && limit > tail.size() + 4) {
    // The end of a long name tells files of one series apart; its start rarely does.
    std::size_t keep = limit - tail.size() - 3;
    name = "..." + name.substr(name.size() - keep);
  }
  std::string line = name + tail;
  if (line.size() > limit) line.resize(limit);
  return line;
}

ReplayProgress::ReplayProgress(std::size_t fileCount, std::uint64_t totalBytes,
                               ReplayProgressOptions options)
    : fileCount_(fileCount), totalBytes_(totalBytes), options_(std::move(options)),
      started_(now()) {}

ReplayProgress::~ReplayProgress() { clear(); }

std::chrono::steady_clock::time_point ReplayProgress::now() const {
  return options_.now ? options_.now() : std::chrono::steady_clock::now();
}

void ReplayProgress::begin(const capture::PcapFileSource& source) {
  source_ = &source;
  ++fileNumber_;
}

void ReplayProgress::end() {
  if (source_ != nullptr) {
    capture::FileProgress done = source_->progress();
    bytesBefore_ += done.totalBytes;
    packetsBefore_ += done.packets;
  }
  source_ = nullptr;
  clear();
}

void ReplayProgress::wait(int fd, int timeoutMillis) {
  pollfd waiting{fd, POLLIN, 0};
  ::poll(&waiting, fd >= 0 ? 1 : 0, timeoutMillis);
}

engine::RunOn ReplayProgress::betweenPackets() {
  auto at = now();
  if (!lastDraw_ || at - *lastDraw_ >= options_.interval) {
    lastDraw_ = at;
    draw();
  }
  return engine::RunOn::kContinue;
}

void ReplayProgress::draw() {
  if (source_ == nullptr) return;
  capture::FileProgress file = source_->progress();
  ProgressView view;
  view.file = source_->name();
  view.fileNumber = fileNumber_;
  view.fileCount = fileCount_;
  if (file.totalBytes > 0) {
    view.fraction = static_cast<double>(file.bytesRead) / static_cast<double>(file.totalBytes);
  }
  double elapsed = std::chrono::duration<double>(now() - started_).count();
  if (elapsed >= kSettleSeconds) {
    view.packetsPerSecond = static_cast<double>(packetsBefore_ + file.packets) / elapsed;
    std::uint64_t done = bytesBefore_ + file.bytesRead;
    if (totalBytes_ > 0 && done > 0 && done <= totalBytes_) {
      view.secondsLeft = static_cast<double>(totalBytes_ - done) * elapsed / static_cast<double>(done);
    }
  }
  std::string text(kClearLine);
  text += progressLine(view, terminalWidth(options_.fd));
  writeAll(options_.fd, text);
  visible_ = true;
}

void ReplayProgress::clear() {
  if (!visible_) return;
  writeAll(options_.fd, kClearLine);
  visible_ = false;
}

}  // namespace baawatch::daemon
