#include "tcp_connect.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "syslog_address.hpp"

namespace baawatch::sink {

UniqueFd connectTcp(const std::string& host, std::uint16_t port, int timeoutMs,
                    std::string& error) {
  socklen_t length = 0;
  sockaddr_storage address = resolvedAddress(host, port, SOCK_STREAM, length, error);
  if (length == 0) return UniqueFd();
  UniqueFd fd(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    error = std::strerror(errno);
    return fd;
  }
  int result = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length);
  if (result != 0 && errno == EINPROGRESS) {
    pollfd waiting{fd.get(), POLLOUT, 0};
    int ready = ::poll(&waiting, 1, timeoutMs);
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
  return fd;
}

}  // namespace baawatch::sink
