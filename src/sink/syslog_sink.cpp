#include "baawatch/sink/syslog_sink.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace baawatch::sink {
namespace {

// RFC 5424 §6.2.1 severities from the policy's severity words; records without one (encounters,
// counts, stats) are informational.
int syslogSeverity(const nlohmann::json& record) {
  auto it = record.find("severity");
  if (it == record.end() || !it->is_string()) return 6;
  const std::string& severity = it->get_ref<const std::string&>();
  if (severity == "critical") return 2;
  if (severity == "high") return 3;
  if (severity == "medium") return 4;
  if (severity == "low") return 5;
  return 6;
}

// Header fields are PRINTUSASCII without spaces (§6.2); anything else becomes '_', and an empty
// field is the NILVALUE.
std::string headerField(std::string_view text, std::size_t maxLength) {
  std::string out;
  for (char c : text.substr(0, maxLength)) out.push_back(c > 32 && c < 127 ? c : '_');
  return out.empty() ? "-" : out;
}

std::string stringAt(const nlohmann::json& record, const nlohmann::json::json_pointer& pointer) {
  if (!record.contains(pointer)) return {};
  const nlohmann::json& value = record.at(pointer);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return {};
}

// The fields a SIEM filters and correlates on, as SD-PARAMs. PARAM-NAMEs are at most 32
// characters (§6.3.3).
struct SdField {
  const char* name;
  const char* pointer;
};
constexpr SdField kSdFields[] = {
    {"record_id", "/record_id"},       {"event_type", "/event_type"},
    {"alert_id", "/alert_id"},         {"encounter_id", "/id"},
    {"service", "/service/id"},        {"service_name", "/service/name"},
    {"baa_status", "/service/baa_status"}, {"kind", "/kind"},
    {"severity", "/severity"},         {"confidence", "/confidence"},
    {"device", "/device/id"},          {"ip", "/device/ip"},
    {"mac", "/device/mac"},            {"host_name", "/device/host_name"},
    {"policy_rule", "/policy/rule"},   {"clinic", "/clinic"},
};

sockaddr_storage resolvedAddress(const std::string& host, std::uint16_t port, int type,
                                 socklen_t& length, std::string& error) {
  sockaddr_storage address{};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  addrinfo* results = nullptr;
  int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &results);
  length = 0;
  if (status != 0 || results == nullptr) {
    error = host + ": " + ::gai_strerror(status);
    return address;
  }
  std::memcpy(&address, results->ai_addr, results->ai_addrlen);
  length = results->ai_addrlen;
  ::freeaddrinfo(results);
  return address;
}

}  // namespace

std::string escapeSdParamValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string formatRfc5424(const nlohmann::json& record, const SyslogOptions& options, int procId) {
  std::string eventType = stringAt(record, nlohmann::json::json_pointer("/event_type"));
  int priority = options.facility * 8 + syslogSeverity(record);
  std::string timestamp = stringAt(record, nlohmann::json::json_pointer("/timestamp"));
  std::string message = "<" + std::to_string(priority) + ">1 " + headerField(timestamp, 64) + " " +
                        headerField(options.hostName, 255) + " " +
                        headerField(options.appName, 48) + " " + std::to_string(procId) + " " +
                        headerField(eventType, 32) + " [" + std::string(kSyslogSdId);
  for (const auto& field : kSdFields) {
    std::string value = stringAt(record, nlohmann::json::json_pointer(field.pointer));
    if (value.empty()) continue;
    if (std::string_view(field.name) == "encounter_id" && eventType != "encounter") continue;
    message += " ";
    message += field.name;
    message += "=\"";
    message += escapeSdParamValue(value);
    message += "\"";
  }
  message += "] ";
  // MSG is the whole record as JSON (UTF-8 without BOM: §6.4 allows MSG-ANY, and a BOM in front
  // of JSON trips most SIEM parsers).
  message += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return message;
}

std::string frameOctetCounted(std::string_view message) {
  std::string frame = std::to_string(message.size());
  frame.push_back(' ');
  frame.append(message);
  return frame;
}

SyslogSink::SyslogSink(SyslogOptions options)
    : options_(std::move(options)),
      procId_(static_cast<int>(::getpid())),
      backoff_(options_.reconnectMinSeconds) {}

SyslogSink::~SyslogSink() = default;

Expected<std::unique_ptr<SyslogSink>, std::string> SyslogSink::open(SyslogOptions options) {
  std::unique_ptr<SyslogSink> sink(new SyslogSink(std::move(options)));
  const SyslogOptions& opts = sink->options_;
  if (opts.transport == SyslogTransport::kTcp) {
    if (opts.spoolFile.empty()) return unexpected(sink->describe() + ": no spool file");
    auto spool = DiskSpool::open(opts.spoolFile, opts.spoolMaxBytes);
    if (!spool) return unexpected(sink->describe() + ": spool " + spool.error());
    sink->spool_.emplace(std::move(*spool));
    sink->spoolPending_.store(sink->spool_->pendingRecords());
    sink->spoolBytes_.store(sink->spool_->pendingBytes());
    sink->connectTcp(true);  // a receiver that is down now is spooled for, not fatal
    return sink;
  }
  int family = opts.transport == SyslogTransport::kUnix ? AF_UNIX : AF_INET6;
  if (opts.transport == SyslogTransport::kUdp) {
    socklen_t length = 0;
    std::string error;
    sockaddr_storage address = resolvedAddress(opts.host, opts.port, SOCK_DGRAM, length, error);
    if (length == 0) return unexpected(sink->describe() + ": " + error);
    family = address.ss_family;
    sink->socket_.reset(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sink->socket_.valid() ||
        ::connect(sink->socket_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
      return unexpected(sink->describe() + ": " + std::strerror(errno));
    }
    return sink;
  }
  if (opts.socketPath.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return unexpected(sink->describe() + ": socket path too long");
  }
  if (!sink->connectUnix()) return unexpected(sink->describe() + ": " + std::strerror(errno));
  return sink;
}

bool SyslogSink::connectUnix() {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, options_.socketPath.c_str(), options_.socketPath.size() + 1);
  UniqueFd fresh(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fresh.valid() ||
      ::connect(fresh.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return false;
  }
  socket_ = std::move(fresh);
  return true;
}

std::string SyslogSink::describe() const {
  switch (options_.transport) {
    case SyslogTransport::kUdp:
      return "syslog udp " + options_.host + ":" + std::to_string(options_.port);
    case SyslogTransport::kTcp:
      return "syslog tcp " + options_.host + ":" + std::to_string(options_.port);
    case SyslogTransport::kUnix:
      return "syslog unix " + options_.socketPath;
  }
  return "syslog";
}

bool SyslogSink::wanted(const nlohmann::json& record) const {
  auto type = record::parseEventType(stringAt(record, nlohmann::json::json_pointer("/event_type")));
  if (!type) return false;
  if (options_.eventTypes.empty()) {
    return *type == record::EventType::kAlert || *type == record::EventType::kVisibility ||
           *type == record::EventType::kEncounter;
  }
  for (const auto& wantedType : options_.eventTypes) {
    if (wantedType == *type) return true;
  }
  return false;
}

void SyslogSink::write(const nlohmann::json& record) {
  if (!wanted(record)) return;
  std::string message = formatRfc5424(record, options_, procId_);
  if (options_.transport == SyslogTransport::kTcp) {
    deliverTcp(frameOctetCounted(message));
  } else {
    sendDatagram(message);
  }
}

void SyslogSink::sendDatagram(const std::string& message) {
  auto sendOnce = [&] {
    return socket_.valid() && ::send(socket_.get(), message.data(), message.size(), MSG_NOSIGNAL) ==
                                  static_cast<ssize_t>(message.size());
  };
  if (sendOnce()) {
    sent_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // A local receiver that restarted (rsyslog, journald) made a new socket at the same path; ours
  // is still connected to the old one and is refused for good. Connect again and retry once.
  bool receiverGone = !socket_.valid() || errno == ECONNREFUSED || errno == ENOTCONN ||
                      errno == ECONNRESET || errno == ENOENT;
  if (options_.transport == SyslogTransport::kUnix && receiverGone && connectUnix()) {
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    if (sendOnce()) {
      sent_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  // ECONNREFUSED after an ICMP port unreachable, EMSGSIZE, ENOBUFS, a local receiver still
  // down: nothing to retry with.
  failed_.fetch_add(1, std::memory_order_relaxed);
}

void SyslogSink::deliverTcp(std::string frame) {
  if (socket_.valid() && peerClosed()) disconnect("receiver closed the connection");
  if (!socket_.valid()) connectTcp(false);
  if (socket_.valid()) drainSpool();
  // Order: a new record leaves only after everything spooled before it.
  if (socket_.valid() && spool_->empty()) {
    if (sendAll(frame)) {
      sent_.fetch_add(1, std::memory_order_relaxed);
      remember(std::move(frame));
      return;
    }
    disconnect(std::strerror(errno));
  }
  spool(frame);
}

void SyslogSink::remember(std::string frame) {
  recentBytes_ += frame.size();
  recent_.push_back(Sent{Clock::now(), std::move(frame)});
  int unacknowledged = 0;
  bool known = ::ioctl(socket_.get(), SIOCOUTQ, &unacknowledged) == 0 && unacknowledged >= 0;
  // Unknown: treat all as acknowledged, so only the resend window keeps frames (as before).
  unacknowledgedBytes_ = known ? static_cast<std::uint64_t>(unacknowledged) : 0;
  trimRecent();
}

void SyslogSink::trimRecent() {
  // What the receiver's TCP has not acknowledged yet (bytes still in our send queue) may never
  // arrive: those frames are kept however old, so a receiver that stalls for minutes and then
  // dies loses nothing. Acknowledged frames are kept for the resend window too (the receiving
  // program may not have read them yet when it dies), but at most kAckedKeepBytes of them, so a
  // fast drain of a large spool does not hold the spool in memory.
  auto now = Clock::now();
  auto window = std::chrono::duration<double>(options_.resendWindowSeconds);
  while (!recent_.empty()) {
    const Sent& oldest = recent_.front();
    std::uint64_t after = recentBytes_ - oldest.frame.size();  // bytes sent after the oldest
    bool acknowledged = after >= unacknowledgedBytes_;
    std::uint64_t acknowledgedBytes =
        recentBytes_ - std::min<std::uint64_t>(recentBytes_, unacknowledgedBytes_);
    bool stillWanted = now - oldest.at <= window && acknowledgedBytes <= kAckedKeepBytes;
    if (!acknowledged || stillWanted) break;
    recentBytes_ -= oldest.frame.size();
    recent_.pop_front();
  }
}

bool SyslogSink::spool(const std::string& frame) {
  bool stored = false;
  switch (spool_->push(frame)) {
    case DiskSpool::PushResult::kStored:
      spooled_.fetch_add(1, std::memory_order_relaxed);
      stored = true;
      break;
    case DiskSpool::PushResult::kFull:
      spoolOverflow_.fetch_add(1, std::memory_order_relaxed);
      break;
    case DiskSpool::PushResult::kIoError:
      spoolOverflow_.fetch_add(1, std::memory_order_relaxed);
      if (options_.log) options_.log(describe() + ": spool write failed: " + spool_->lastError());
      break;
  }
  spoolPending_.store(spool_->pendingRecords(), std::memory_order_relaxed);
  spoolBytes_.store(spool_->pendingBytes(), std::memory_order_relaxed);
  return stored;
}

void SyslogSink::drainSpool() {
  while (socket_.valid() && !spool_->empty()) {
    std::optional<std::string> frame = spool_->front();
    if (!frame) {
      if (options_.log) options_.log(describe() + ": " + spool_->lastError());
      return;
    }
    if (!sendAll(*frame)) {
      disconnect(std::strerror(errno));
      return;
    }
    spool_->pop();
    sent_.fetch_add(1, std::memory_order_relaxed);
    remember(std::move(*frame));
  }
  spoolPending_.store(spool_->pendingRecords(), std::memory_order_relaxed);
  spoolBytes_.store(spool_->pendingBytes(), std::memory_order_relaxed);
}

bool SyslogSink::connectTcp(bool force) {
  auto now = Clock::now();
  if (!force && now < nextAttempt_) return false;
  socklen_t length = 0;
  std::string error;
  sockaddr_storage address = resolvedAddress(options_.host, options_.port, SOCK_STREAM, length, error);
  UniqueFd fd;
  if (length > 0) {
    fd.reset(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.valid()) {
      int result = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length);
      if (result != 0 && errno == EINPROGRESS) {
        // A SIEM across a WAN may not answer at all: wait at most 2 s, not a kernel SYN timeout.
        pollfd waiting{fd.get(), POLLOUT, 0};
        int ready = ::poll(&waiting, 1, 2000);
        int socketError = ready > 0 ? 0 : ETIMEDOUT;
        socklen_t size = sizeof socketError;
        if (ready > 0) ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &socketError, &size);
        result = socketError == 0 ? 0 : -1;
        errno = socketError;
      }
      if (result != 0) {
        error = std::strerror(errno);
        fd.reset();
      }
    }
  }
  if (!fd.valid()) {
    nextAttempt_ = now + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(backoff_));
    backoff_ = std::min(backoff_ * 2, options_.reconnectMaxSeconds);
    return false;
  }
  // Blocking sends from here on, for at most the send timeout: the writer thread may wait on the
  // receiver, the packet thread never does (it only queues).
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  auto timeoutMicros = static_cast<long>(options_.sendTimeoutSeconds * 1e6);
  timeval sendTimeout{timeoutMicros / 1000000, timeoutMicros % 1000000};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, sizeof sendTimeout);
  // A receiver host that vanishes (no FIN, no RST) would otherwise be noticed only when TCP's
  // retransmissions give up, about 15 minutes; data unacknowledged for 30 s ends the connection.
  unsigned int userTimeoutMs = 30000;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_USER_TIMEOUT, &userTimeoutMs, sizeof userTimeoutMs);
  socket_ = std::move(fd);
  backoff_ = options_.reconnectMinSeconds;
  if (everConnected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  everConnected_ = true;
  if (options_.log) {
    options_.log(describe() + ": connected" +
                 (spool_->empty() ? std::string()
                                  : ", delivering " + std::to_string(spool_->pendingRecords()) +
                                        " spooled records"));
  }
  return true;
}

bool SyslogSink::peerClosed() const {
  // A syslog receiver never sends: readable means it closed (EOF) or reset the connection.
  pollfd check{socket_.get(), POLLIN | POLLRDHUP, 0};
  if (::poll(&check, 1, 0) <= 0) return false;
  if (check.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  char byte;
  return ::recv(socket_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

bool SyslogSink::sendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t put = ::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(put));
  }
  return true;
}

void SyslogSink::disconnect(const char* why) {
  socket_.reset();
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (options_.log) options_.log(describe() + ": connection lost (" + why + "), spooling");
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

void SyslogSink::flush() {
  if (options_.transport != SyslogTransport::kTcp) return;
  if (socket_.valid() && peerClosed()) disconnect("receiver closed the connection");
  if (!socket_.valid() && !spool_->empty()) connectTcp(true);
  if (socket_.valid()) drainSpool();
}

void SyslogSink::idle() {
  if (options_.transport != SyslogTransport::kTcp) return;
  if (socket_.valid() && peerClosed()) disconnect("receiver closed the connection");
  if (!socket_.valid() && !spool_->empty()) connectTcp(false);
  if (socket_.valid()) drainSpool();
}

Counters SyslogSink::counters() const {
  Counters counters;
  const std::string& prefix = options_.counterPrefix;
  counters.add(prefix + ".sent", sent_.load(std::memory_order_relaxed));
  counters.add(prefix + ".failed", failed_.load(std::memory_order_relaxed));
  if (options_.transport == SyslogTransport::kTcp) {
    counters.add(prefix + ".spooled", spooled_.load(std::memory_order_relaxed));
    counters.add(prefix + ".spool_overflow", spoolOverflow_.load(std::memory_order_relaxed));
    counters.add(prefix + ".spool_pending", spoolPending_.load(std::memory_order_relaxed));
    // The sink backlog on disk, in bytes (records are a few hundred bytes to a few KB).
    counters.add(prefix + ".spool_bytes", spoolBytes_.load(std::memory_order_relaxed));
    counters.add(prefix + ".resent", resent_.load(std::memory_order_relaxed));
  }
  // TCP reconnects after a lost connection, unix after its receiver made a new socket.
  if (options_.transport != SyslogTransport::kUdp) {
    counters.add(prefix + ".reconnects", reconnects_.load(std::memory_order_relaxed));
  }
  return counters;
}

}  // namespace baawatch::sink
