#pragma once
// OpenSSL for our TLS clients (syslog over TLS, RFC 5425; SMTP after STARTTLS, RFC 3207): the
// client context made once per destination and one session per connection. TLS 1.2 and 1.3 only;
// the server's certificate must chain to the CA file (or the system's CA store when none is
// given) and carry the expected name (X509_VERIFY_PARAM_set1_host, or _ip_asc for an address).
// ssl.h stays out of the public headers.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "baawatch/common/expected.hpp"
#include "baawatch/sink/tls_files.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace baawatch::sink {

class TlsClientContext {
 public:
  // Loads the CA file (none: the system's default CA store) and, for mutual TLS, the certificate
  // chain and its key.
  static Expected<TlsClientContext, TlsFileError> create(const TlsClientFiles& files);
  SSL_CTX* get() const { return context_.get(); }
  bool hasClientCertificate() const { return hasClientCertificate_; }

 private:
  struct Free {
    void operator()(SSL_CTX* context) const;
  };
  std::unique_ptr<SSL_CTX, Free> context_;
  bool hasClientCertificate_ = false;
};

// One TLS connection over a connected, non-blocking TCP socket (which the caller keeps).
class TlsSession {
 public:
  using Clock = std::chrono::steady_clock;
  // The handshake, waiting until `deadline`. The error says why the receiver was refused (its
  // certificate and the check that failed) or what broke.
  static Expected<TlsSession, std::string> handshake(const TlsClientContext& context, int fd,
                                                     const std::string& expectedName,
                                                     Clock::time_point deadline);
  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;
  ~TlsSession();

  // All of `bytes`, waiting until `deadline`; false with `error` set otherwise.
  bool write(std::string_view bytes, Clock::time_point deadline, std::string& error);
  // What the server sent next, at most `capacity` bytes, waiting until `deadline`; 0 with
  // `error` set when the session ended, failed or the deadline passed.
  std::size_t read(char* buffer, std::size_t capacity, Clock::time_point deadline,
                   std::string& error);
  // True when the receiver closed the session or sent something that ends it (an alert). A
  // syslog receiver sends no application data; session tickets are taken in.
  bool closedByPeer();
  // Waits until `deadline` for the receiver's first word after the handshake: true when it ended
  // the session (an alert), false when it sent something else (a session ticket) or nothing.
  bool refusedWithin(Clock::time_point deadline);
  // Bytes written to the socket so far, TLS records and all.
  std::uint64_t wireBytesWritten() const;
  // The receiver asked for a client certificate during the handshake and we had none to give.
  bool clientCertificateRequested() const { return *certificateRequested_; }
  // Ends a healthy session with close_notify (best effort, never waits).
  void close();

 private:
  TlsSession(SSL* ssl, int fd);
  struct Free {
    void operator()(SSL* ssl) const;
  };
  std::unique_ptr<SSL, Free> ssl_;
  int fd_ = -1;
  std::unique_ptr<bool> certificateRequested_;  // stable address for OpenSSL's callback
  bool broken_ = false;                          // a fatal error: no close_notify
};

}  // namespace baawatch::sink
