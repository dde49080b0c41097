#pragma once
// The files a TLS client of ours reads (syslog over TLS, SMTP with STARTTLS), and how a bad one is
// named: by the configuration option that gave it, so the loader can point at its place.
#include <optional>
#include <string>

namespace baawatch::sink {

struct TlsClientFiles {
  std::string caFile;    // CA certificates (PEM) the server's must chain to; empty: the system's
  std::string certFile;  // our certificate chain (PEM) for mutual TLS; empty: none
  std::string keyFile;   // and its private key
};

// A file OpenSSL cannot use, with the option that names it ("ca_file", "cert_file", "key_file").
struct TlsFileError {
  std::string option;
  std::string message;
};

// Loads the files as a connection will, so the configuration is refused at load time (with the
// option at fault) rather than at the first connection.
std::optional<TlsFileError> checkTlsClientFiles(const TlsClientFiles& files);

}  // namespace baawatch::sink
