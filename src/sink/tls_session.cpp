#include "tls_session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace baawatch::sink {
namespace {

// The oldest queued OpenSSL error as text ("tlsv13 alert certificate required"), or `fallback`.
std::string openSslError(std::string fallback) {
  unsigned long code = ERR_get_error();
  std::string text = fallback;
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    // "error:0A000086:SSL routines::certificate verify failed": the words after the last ':'.
    std::string full = buffer;
    auto colon = full.rfind(':');
    text = colon == std::string::npos ? full : full.substr(colon + 1);
  }
  ERR_clear_error();
  return text;
}

// Waits until the socket is ready for what OpenSSL asked for; false at the deadline.
bool waitFor(int fd, int sslError, TlsSession::Clock::time_point deadline) {
  short events = sslError == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      TlsSession::Clock::now());
    if (left.count() <= 0) return false;
    pollfd waiting{fd, events, 0};
    int ready = ::poll(&waiting, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

bool isAddress(const std::string& name) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// Called by OpenSSL when the receiver asks for a client certificate and none is configured: we
// note it (the receiver will most likely refuse us, and the log should say why) and send none.
int noteCertificateRequest(SSL* ssl, X509** /*certificate*/, EVP_PKEY** /*key*/) {
  if (auto* requested = static_cast<bool*>(SSL_get_app_data(ssl))) *requested = true;
  return 0;
}

}  // namespace

void TlsClientContext::Free::operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
void TlsSession::Free::operator()(SSL* ssl) const { SSL_free(ssl); }

std::optional<TlsFileError> checkTlsClientFiles(const TlsClientFiles& files) {
  auto context = TlsClientContext::create(files);
  if (context) return std::nullopt;
  return context.error();
}

Expected<TlsClientContext, TlsFileError> TlsClientContext::create(const TlsClientFiles& files) {
  TlsClientContext result;
  result.context_.reset(SSL_CTX_new(TLS_client_method()));
  if (!result.context_) {
    return unexpected(TlsFileError{"transport", openSslError("cannot set up TLS")});
  }
  SSL_CTX* context = result.context_.get();
  // RFC 5425 as updated by RFC 9662, and RFC 8996 for everyone: nothing older than TLS 1.2.
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  if (files.caFile.empty()) {
    // A public mail provider's certificate chains to one of the CAs the system trusts.
    if (SSL_CTX_set_default_verify_paths(context) != 1) {
      return unexpected(
          TlsFileError{"ca_file", "the system's CA store cannot be read (" +
                                      openSslError("unreadable") + "): give a ca_file"});
    }
  } else if (SSL_CTX_load_verify_locations(context, files.caFile.c_str(), nullptr) != 1) {
    return unexpected(TlsFileError{
        "ca_file", "'" + files.caFile + "' holds no CA certificate OpenSSL can read (" +
                       openSslError("unreadable") + ")"});
  }
  if (!files.certFile.empty()) {
    if (SSL_CTX_use_certificate_chain_file(context, files.certFile.c_str()) != 1) {
      return unexpected(TlsFileError{
          "cert_file", "'" + files.certFile + "' holds no certificate OpenSSL can read (" +
                           openSslError("unreadable") + ")"});
    }
    if (SSL_CTX_use_PrivateKey_file(context, files.keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
      return unexpected(TlsFileError{
          "key_file", "'" + files.keyFile + "' holds no private key OpenSSL can read (" +
                          openSslError("unreadable") + ")"});
    }
    if (SSL_CTX_check_private_key(context) != 1) {
      return unexpected(TlsFileError{
          "key_file", "'" + files.keyFile + "' is not the key of '" + files.certFile + "' (" +
                          openSslError("mismatch") + ")"});
    }
    result.hasClientCertificate_ = true;
  } else {
    SSL_CTX_set_client_cert_cb(context, noteCertificateRequest);
  }
  ERR_clear_error();
  return result;
}

TlsSession::TlsSession(SSL* ssl, int fd)
    : ssl_(ssl), fd_(fd), certificateRequested_(std::make_unique<bool>(false)) {}
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;
TlsSession::~TlsSession() = default;

Expected<TlsSession, std::string> TlsSession::handshake(const TlsClientContext& context, int fd,
                                                        const std::string& expectedName,
                                                        Clock::time_point deadline) {
  ERR_clear_error();
  SSL* ssl = SSL_new(context.get());
  if (ssl == nullptr) return unexpected(openSslError("cannot make a TLS session"));
  TlsSession session(ssl, fd);
  SSL_set_app_data(ssl, session.certificateRequested_.get());
  X509_VERIFY_PARAM* check = SSL_get0_param(ssl);
  bool address = isAddress(expectedName);
  bool named = address ? X509_VERIFY_PARAM_set1_ip_asc(check, expectedName.c_str()) == 1
                       : X509_VERIFY_PARAM_set1_host(check, expectedName.c_str(), 0) == 1;
  // SNI carries host names only (RFC 6066 §3).
  if (!named || (!address && SSL_set_tlsext_host_name(ssl, expectedName.c_str()) != 1) ||
      SSL_set_fd(ssl, fd) != 1) {
    return unexpected(openSslError("cannot set the expected name '" + expectedName + "'"));
  }
  for (;;) {
    int result = SSL_connect(ssl);
    if (result == 1) break;
    int error = SSL_get_error(ssl, result);
    if ((error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) &&
        waitFor(fd, error, deadline)) {
      continue;
    }
    session.broken_ = true;
    long verified = SSL_get_verify_result(ssl);
    if (verified != X509_V_OK) {
      ERR_clear_error();
      return unexpected("the receiver's certificate was refused: " +
                        std::string(X509_verify_cert_error_string(verified)));
    }
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      return unexpected(std::string("TLS handshake timed out"));
    }
    std::string why = openSslError(error == SSL_ERROR_SYSCALL && errno != 0
                                       ? std::string(std::strerror(errno))
                                       : std::string("the receiver closed the connection"));
    if (*session.certificateRequested_) {
      why += " (the receiver asked for a client certificate: set cert_file and key_file)";
    }
    return unexpected("TLS handshake failed: " + why);
  }
  return session;
}

bool TlsSession::write(std::string_view bytes, Clock::time_point deadline, std::string& error) {
  ERR_clear_error();
  while (!bytes.empty()) {
    std::size_t written = 0;
    int result = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written);
    if (result == 1) {
      bytes.remove_prefix(written);
      continue;
    }
    int sslError = SSL_get_error(ssl_.get(), result);
    if (sslError == SSL_ERROR_WANT_READ || sslError == SSL_ERROR_WANT_WRITE) {
      if (waitFor(fd_, sslError, deadline)) continue;
      error = "send timed out";
      broken_ = true;
      return false;
    }
    broken_ = true;
    error = openSslError(sslError == SSL_ERROR_SYSCALL && errno != 0 ? std::strerror(errno)
                                                                     : "TLS write failed");
    return false;
  }
  return true;
}

std::size_t TlsSession::read(char* buffer, std::size_t capacity, Clock::time_point deadline,
                             std::string& error) {
  ERR_clear_error();
  for (;;) {
    std::size_t got = 0;
    int result = SSL_read_ex(ssl_.get(), buffer, capacity, &got);
    if (result == 1) return got;
    int sslError = SSL_get_error(ssl_.get(), result);
    if (sslError == SSL_ERROR_WANT_READ || sslError == SSL_ERROR_WANT_WRITE) {
      if (waitFor(fd_, sslError, deadline)) continue;
      error = "timed out waiting for the server";
      broken_ = true;
      return 0;
    }
    broken_ = sslError != SSL_ERROR_ZERO_RETURN;
    error = sslError == SSL_ERROR_ZERO_RETURN
                ? std::string("the server closed the TLS session")
                : openSslError(sslError == SSL_ERROR_SYSCALL && errno != 0
                                   ? std::string(std::strerror(errno))
                                   : std::string("the server closed the connection"));
    return 0;
  }
}

bool TlsSession::closedByPeer() {
  if (broken_) return true;
  if (SSL_pending(ssl_.get()) == 0) {
    pollfd check{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&check, 1, 0) <= 0) return false;
  }
  ERR_clear_error();
  char buffer[4096];
  for (;;) {
    std::size_t got = 0;
    int result = SSL_read_ex(ssl_.get(), buffer, sizeof buffer, &got);
    if (result == 1) continue;  // application data from a syslog receiver: nothing to do with it
    int sslError = SSL_get_error(ssl_.get(), result);
    if (sslError == SSL_ERROR_WANT_READ || sslError == SSL_ERROR_WANT_WRITE) return false;
    // close_notify, an alert (a refused client certificate arrives so with TLS 1.3), EOF, reset.
    broken_ = sslError != SSL_ERROR_ZERO_RETURN;
    ERR_clear_error();
    return true;
  }
}

bool TlsSession::refusedWithin(Clock::time_point deadline) {
  if (!waitFor(fd_, SSL_ERROR_WANT_READ, deadline)) return false;
  return closedByPeer();
}

std::uint64_t TlsSession::wireBytesWritten() const {
  return BIO_number_written(SSL_get_wbio(ssl_.get()));
}

void TlsSession::close() {
  if (ssl_ && !broken_) SSL_shutdown(ssl_.get());
  ERR_clear_error();
  broken_ = true;
}

}  // namespace baawatch::sink
