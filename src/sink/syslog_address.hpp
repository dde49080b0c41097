#pragma once
// Name resolution shared by the syslog transports.
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace baawatch::sink {

// The first address getaddrinfo gives for host:port and the socket type; `length` 0 and `error`
// set when there is none.
sockaddr_storage resolvedAddress(const std::string& host, std::uint16_t port, int type,
                                 socklen_t& length, std::string& error);

}  // namespace baawatch::sink
