#include "baawatch/sink/syslog_sink.hpp"

#include <netdb.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "syslog_address.hpp"
#include "syslog_transports.hpp"
#include "tls_session.hpp"

namespace baawatch::sink {

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

std::string describeSyslogDestination(const SyslogOptions& options) {
  switch (options.transport) {
    case SyslogTransport::kUdp:
      return "syslog udp " + options.host + ":" + std::to_string(options.port);
    case SyslogTransport::kTcp:
      return "syslog tcp " + options.host + ":" + std::to_string(options.port);
    case SyslogTransport::kUnix:
      return "syslog unix " + options.socketPath;
    case SyslogTransport::kTls:
      return "syslog tls " + options.host + ":" + std::to_string(options.port);
  }
  return "syslog";
}

TlsClientFiles syslogTlsFiles(const SyslogOptions& options) {
  return {options.caFile, options.certFile, options.keyFile};
}

std::optional<TlsFileError> checkSyslogTlsFiles(const SyslogOptions& options) {
  return checkTlsClientFiles(syslogTlsFiles(options));
}

SyslogSink::SyslogSink(SyslogOptions options, std::unique_ptr<MessageTransport> transport)
    : options_(std::move(options)),
      header_{options_.facility, options_.appName, options_.hostName,
              static_cast<int>(::getpid())},
      transport_(std::move(transport)) {}

SyslogSink::~SyslogSink() = default;

Expected<std::unique_ptr<SyslogSink>, std::string> SyslogSink::open(SyslogOptions options,
                                                                    SyslogLog log) {
  // The transport keeps a reference to the options: they live in the sink, which is made first.
  std::unique_ptr<SyslogSink> sink(new SyslogSink(std::move(options), nullptr));
  const SyslogOptions& kept = sink->options_;
  if (kept.transport == SyslogTransport::kTcp || kept.transport == SyslogTransport::kTls) {
    auto stream = StreamTransport::open(kept, std::move(log));
    if (!stream) return unexpected(stream.error());
    sink->transport_ = std::move(*stream);
  } else {
    auto datagram = DatagramTransport::open(kept);
    if (!datagram) return unexpected(datagram.error());
    sink->transport_ = std::move(*datagram);
  }
  return sink;
}

std::string SyslogSink::describe() const { return describeSyslogDestination(options_); }

bool SyslogSink::wanted(record::EventType type) const {
  if (options_.eventTypes.empty()) {
    return type == record::EventType::kAlert || type == record::EventType::kVisibility ||
           type == record::EventType::kEncounter;
  }
  for (record::EventType wantedType : options_.eventTypes) {
    if (wantedType == type) return true;
  }
  return false;
}

void SyslogSink::write(const nlohmann::json& record) {
  // The one place the type is read from the record: records reach every target as JSON.
  auto name = record.find("event_type");
  std::optional<baawatch::record::EventType> type;
  if (name != record.end() && name->is_string()) {
    type = baawatch::record::parseEventType(name->get_ref<const std::string&>());
  }
  if (!type || !wanted(*type)) return;
  transport_->send(formatRfc5424(record, *type, header_, options_.format));
}

void SyslogSink::flush() { transport_->flush(); }

void SyslogSink::idle() { transport_->idle(); }

Counters SyslogSink::counters() const {
  Counters counters;
  transport_->addCounters(counters, options_.counterPrefix);
  return counters;
}

}  // namespace baawatch::sink
