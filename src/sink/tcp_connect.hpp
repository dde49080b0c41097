#pragma once
// An outgoing TCP connection with a bounded wait, shared by the stream transports (syslog over
// TCP and TLS, SMTP): a receiver across a WAN may not answer at all, and the kernel's SYN timeout
// (about two minutes) is far longer than a sink thread should wait.
#include <cstdint>
#include <string>

#include "baawatch/sink/disk_spool.hpp"

namespace baawatch::sink {

// Resolves host:port (the first address getaddrinfo gives) and connects within `timeoutMs`. The
// socket is returned non-blocking and close-on-exec; an invalid one with `error` set ("connection
// refused", "h: Name or service not known") when there is none.
UniqueFd connectTcp(const std::string& host, std::uint16_t port, int timeoutMs, std::string& error);

}  // namespace baawatch::sink
