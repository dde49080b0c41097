#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "syslog_transports.hpp"
#include "tcp_connect.hpp"

namespace baawatch::sink {

StreamTransport::StreamTransport(const SyslogOptions& options, SyslogLog log, DiskSpool spool,
                                 std::optional<TlsClientContext> tls)
    : options_(options),
      log_(std::move(log)),
      name_(describeSyslogDestination(options)),
      tls_(std::move(tls)),
      spool_(std::move(spool)),
      backoff_(options.reconnectMinSeconds) {
  spoolPending_.store(spool_.pendingRecords());
  spoolBytes_.store(spool_.pendingBytes());
}

Expected<std::unique_ptr<StreamTransport>, std::string> StreamTransport::open(
    const SyslogOptions& options, SyslogLog log) {
  std::string name = describeSyslogDestination(options);
  if (options.spoolFile.empty()) return unexpected(name + ": no spool file");
  std::optional<TlsClientContext> tls;
  if (options.transport == SyslogTransport::kTls) {
    auto context = TlsClientContext::create(syslogTlsFiles(options));
    if (!context) return unexpected(name + ": " + context.error().option + ": " + context.error().message);
    tls.emplace(std::move(*context));
  }
  auto spool = DiskSpool::open(options.spoolFile, options.spoolMaxBytes);
  if (!spool) return unexpected(name + ": spool " + spool.error());
  std::unique_ptr<StreamTransport> transport(
      new StreamTransport(options, std::move(log), std::move(*spool), std::move(tls)));
  transport->connect(true);  // a receiver that is down now is spooled for, not fatal
  return transport;
}

void StreamTransport::send(const std::string& message) { deliver(frameOctetCounted(message)); }

void StreamTransport::deliver(std::string frame) {
  if (socket_.valid() && peerClosed()) disconnect("receiver closed the connection");
  if (!socket_.valid()) connect(false);
  if (socket_.valid()) drainSpool();
  // Order: a new record leaves only after everything spooled before it.
  if (socket_.valid() && spool_.empty()) {
    std::uint64_t wireBytes = 0;
    if (sendAll(frame, wireBytes)) {
      sent_.fetch_add(1, std::memory_order_relaxed);
      remember(std::move(frame), wireBytes);
      return;
    }
    disconnect(sendError_.c_str());
  }
  spool(frame);
}

void StreamTransport::remember(std::string frame, std::uint64_t wireBytes) {
  recentBytes_ += wireBytes;
  recent_.push_back(Sent{Clock::now(), std::move(frame), wireBytes});
  int unacknowledged = 0;
  bool known = ::ioctl(socket_.get(), SIOCOUTQ, &unacknowledged) == 0 && unacknowledged >= 0;
  // Unknown: treat all as acknowledged, so only the resend window keeps frames (as before).
  unacknowledgedBytes_ = known ? static_cast<std::uint64_t>(unacknowledged) : 0;
  trimRecent();
}

void StreamTransport::trimRecent() {
  // What the receiver's TCP has not acknowledged yet (bytes still in our send queue) may never
  // arrive: those frames are kept however old, so a receiver that stalls for minutes and then
  // dies loses nothing. Acknowledged frames are kept for the resend window too (the receiving
  // program may not have read them yet when it dies), but at most kAckedKeepBytes of them, so a
  // fast drain of a large spool does not hold the spool in memory.
  auto now = Clock::now();
  auto window = std::chrono::duration<double>(options_.resendWindowSeconds);
  while (!recent_.empty()) {
    const Sent& oldest = recent_.front();
    std::uint64_t after = recentBytes_ - oldest.wireBytes;  // bytes sent after the oldest
    bool acknowledged = after >= unacknowledgedBytes_;
    std::uint64_t acknowledgedBytes =
        recentBytes_ - std::min<std::uint64_t>(recentBytes_, unacknowledgedBytes_);
    bool stillWanted = now - oldest.at <= window && acknowledgedBytes <= kAckedKeepBytes;
    if (!acknowledged || stillWanted) break;
    recentBytes_ -= oldest.wireBytes;
    recent_.pop_front();
  }
}

bool StreamTransport::spool(const std::string& frame) {
  bool stored = false;
  switch (spool_.push(frame)) {
    case DiskSpool::PushResult::kStored:
      spooled_.fetch_add(1, std::memory_order_relaxed);
      stored = true;
      break;
    case DiskSpool::PushResult::kFull:
      spoolOverflow_.fetch_add(1, std::memory_order_relaxed);
      break;
    case DiskSpool::PushResult::kIoError:
      spoolOverflow_.fetch_add(1, std::memory_order_relaxed);
      log(name_ + ": spool write failed: " + spool_.lastError());
      break;
  }
  spoolPending_.store(spool_.pendingRecords(), std::memory_order_relaxed);
  spoolBytes_.store(spool_.pendingBytes(), std::memory_order_relaxed);
  return stored;
}

void StreamTransport::drainSpool() {
  while (socket_.valid() && !spool_.empty()) {
    // A TLS receiver that ends the session says so with an alert: look before each frame, so a
    // large spool is not sent into a session the receiver already closed.
    if (session_ && session_->closedByPeer()) {
      disconnect("receiver closed the TLS session");
      return;
    }
    std::optional<std::string> frame = spool_.front();
    if (!frame) {
      log(name_ + ": " + spool_.lastError());
      return;
    }
    std::uint64_t wireBytes = 0;
    if (!sendAll(*frame, wireBytes)) {
      disconnect(sendError_.c_str());
      return;
    }
    spool_.pop();
    sent_.fetch_add(1, std::memory_order_relaxed);
    remember(std::move(*frame), wireBytes);
  }
  spoolPending_.store(spool_.pendingRecords(), std::memory_order_relaxed);
  spoolBytes_.store(spool_.pendingBytes(), std::memory_order_relaxed);
}

bool StreamTransport::connect(bool force) {
  auto now = Clock::now();
  if (!force && now < nextAttempt_) return false;
  std::string error;
  // A SIEM across a WAN may not answer at all: wait at most 2 s, not a kernel SYN timeout.
  UniqueFd fd = connectTcp(options_.host, options_.port, 2000, error);
  if (!fd.valid()) {
    nextAttempt_ = now + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(backoff_));
    backoff_ = std::min(backoff_ * 2, options_.reconnectMaxSeconds);
    return false;
  }
  // A receiver host that vanishes (no FIN, no RST) would otherwise be noticed only when TCP's
  // retransmissions give up, about 15 minutes; data unacknowledged for 30 s ends the connection.
  unsigned int userTimeoutMs = 30000;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_USER_TIMEOUT, &userTimeoutMs, sizeof userTimeoutMs);
  if (tls_) {
    // TLS stays non-blocking: OpenSSL's reads and writes wait in poll() for at most the send
    // timeout, and a session ticket the receiver sends can be taken in without blocking.
    if (!startTls(fd.get())) {
      nextAttempt_ = now + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(backoff_));
      backoff_ = std::min(backoff_ * 2, options_.reconnectMaxSeconds);
      return false;
    }
    socket_ = std::move(fd);
    return connected();
  }
  // Blocking sends from here on, for at most the send timeout: the writer thread may wait on the
  // receiver, the packet thread never does (it only queues).
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  auto timeoutMicros = static_cast<long>(options_.sendTimeoutSeconds * 1e6);
  timeval sendTimeout{timeoutMicros / 1000000, timeoutMicros % 1000000};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, sizeof sendTimeout);
  socket_ = std::move(fd);
  return connected();
}

bool StreamTransport::startTls(int fd) {
  const std::string& expected = options_.serverName.empty() ? options_.host : options_.serverName;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(options_.sendTimeoutSeconds));
  auto session = TlsSession::handshake(*tls_, fd, expected, deadline);
  // With TLS 1.3 the receiver judges our (missing) client certificate after our side of the
  // handshake is done: when it asked for one, its answer (an alert, or a session ticket) is
  // awaited before a record goes out, so the spool is not poured into a session that is over.
  if (session && session->clientCertificateRequested() && session->refusedWithin(deadline)) {
    session = unexpected(std::string(
        "the receiver refused the connection without a client certificate: set cert_file and "
        "key_file"));
  }
  if (session) {
    session_.emplace(std::move(*session));
    return true;
  }
  // Refused or broken: the records stay in the spool; nothing goes out without a verified TLS
  // session. Said once per reason, counted every time.
  tlsFailed_.fetch_add(1, std::memory_order_relaxed);
  if (session.error() != lastTlsFailure_) {
    lastTlsFailure_ = session.error();
    log(name_ + ": " + session.error() + "; records wait in the spool");
  }
  return false;
}

bool StreamTransport::connected() {
  lastTlsFailure_.clear();
  backoff_ = options_.reconnectMinSeconds;
  if (everConnected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  everConnected_ = true;
  log(name_ + ": connected" +
      (spool_.empty() ? std::string()
                      : ", delivering " + std::to_string(spool_.pendingRecords()) +
                            " spooled records"));
  return true;
}

bool StreamTransport::peerClosed() {
  if (session_) return session_->closedByPeer();
  // A syslog receiver never sends: readable means it closed (EOF) or reset the connection.
  pollfd check{socket_.get(), POLLIN | POLLRDHUP, 0};
  if (::poll(&check, 1, 0) <= 0) return false;
  if (check.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  char byte;
  return ::recv(socket_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

bool StreamTransport::sendAll(std::string_view bytes, std::uint64_t& wireBytes) {
  if (session_) {
    std::uint64_t before = session_->wireBytesWritten();
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(options_.sendTimeoutSeconds));
    bool whole = session_->write(bytes, deadline, sendError_);
    wireBytes = session_->wireBytesWritten() - before;
    return whole;
  }
  wireBytes = bytes.size();
  while (!bytes.empty()) {
    ssize_t put = ::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      sendError_ = std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(put));
  }
  return true;
}

void StreamTransport::disconnect(const char* why) {
  std::string reason = why;
  if (session_) {
    // With TLS 1.3 a receiver refuses a missing client certificate only after our handshake
    // completed: the session ends right away, and this is the place to say why.
    if (session_->clientCertificateRequested()) {
      reason += "; the receiver asked for a client certificate: set cert_file and key_file";
      tlsFailed_.fetch_add(1, std::memory_order_relaxed);
    }
    session_->close();
    session_.reset();
  }
  socket_.reset();
  failed_.fetch_add(1, std::memory_order_relaxed);
  log(name_ + ": connection lost (" + reason + "), spooling");
  // What the receiver had not acknowledged at the last send, or had acknowledged within the
  // resend window (remember()), may never have reached it: send it again (before the spool when
  // the spool is empty, which keeps the order; after it otherwise). Receivers drop the duplicates
  // by record_id. The socket's own count is gone with the connection: the last one stands.
  trimRecent();
  for (auto& sent : recent_) {
    if (spool(sent.frame)) resent_.fetch_add(1, std::memory_order_relaxed);
  }
  recent_.clear();
  recentBytes_ = 0;
  unacknowledgedBytes_ = 0;
  // A receiver that accepts and then stalls or drops us must not be reconnected to for every
  // record (each attempt can block the writer thread for the 5 s send timeout): back off.
  nextAttempt_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(backoff_));
  backoff_ = std::min(backoff_ * 2, options_.reconnectMaxSeconds);
}

void StreamTransport::flush() {
  if (socket_.valid() && peerClosed()) disconnect("receiver closed the connection");
  if (!socket_.valid() && !spool_.empty()) connect(true);
  if (socket_.valid()) drainSpool();
}

void StreamTransport::idle() {
  if (socket_.valid() && peerClosed()) disconnect("receiver closed the connection");
  if (!socket_.valid() && !spool_.empty()) connect(false);
  if (socket_.valid()) drainSpool();
}

void StreamTransport::addCounters(Counters& counters, const std::string& prefix) const {
  counters.add(prefix + ".sent", sent_.load(std::memory_order_relaxed));
  counters.add(prefix + ".failed", failed_.load(std::memory_order_relaxed));
  counters.add(prefix + ".spooled", spooled_.load(std::memory_order_relaxed));
  counters.add(prefix + ".spool_overflow", spoolOverflow_.load(std::memory_order_relaxed));
  counters.add(prefix + ".spool_pending", spoolPending_.load(std::memory_order_relaxed));
  // The sink backlog on disk, in bytes (records are a few hundred bytes to a few KB).
  counters.add(prefix + ".spool_bytes", spoolBytes_.load(std::memory_order_relaxed));
  counters.add(prefix + ".resent", resent_.load(std::memory_order_relaxed));
  counters.add(prefix + ".reconnects", reconnects_.load(std::memory_order_relaxed));
  // Handshakes that failed: the receiver's certificate refused, no TLS on the other side, ours
  // refused by the receiver.
  if (options_.transport == SyslogTransport::kTls) {
    counters.add(prefix + ".tls_failed", tlsFailed_.load(std::memory_order_relaxed));
  }
}

}  // namespace baawatch::sink
