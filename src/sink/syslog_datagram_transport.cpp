#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "syslog_transports.hpp"
#include "syslog_address.hpp"

namespace baawatch::sink {

Expected<std::unique_ptr<DatagramTransport>, std::string> DatagramTransport::open(
    const SyslogOptions& options) {
  std::unique_ptr<DatagramTransport> transport(new DatagramTransport(options));
  std::string name = describeSyslogDestination(options);
  if (options.transport == SyslogTransport::kUdp) {
    socklen_t length = 0;
    std::string error;
    sockaddr_storage address =
        resolvedAddress(options.host, options.port, SOCK_DGRAM, length, error);
    if (length == 0) return unexpected(name + ": " + error);
    transport->socket_.reset(::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!transport->socket_.valid() ||
        ::connect(transport->socket_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
      return unexpected(name + ": " + std::strerror(errno));
    }
    return transport;
  }
  if (options.socketPath.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return unexpected(name + ": socket path too long");
  }
  if (!transport->connectUnix()) return unexpected(name + ": " + std::strerror(errno));
  return transport;
}

bool DatagramTransport::connectUnix() {
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

void DatagramTransport::send(const std::string& message) {
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

void DatagramTransport::addCounters(Counters& counters, const std::string& prefix) const {
  counters.add(prefix + ".sent", sent_.load(std::memory_order_relaxed));
  counters.add(prefix + ".failed", failed_.load(std::memory_order_relaxed));
  // The local socket reconnects after its receiver made a new socket; UDP has no connection.
  if (options_.transport == SyslogTransport::kUnix) {
    counters.add(prefix + ".reconnects", reconnects_.load(std::memory_order_relaxed));
  }
}

}  // namespace baawatch::sink
