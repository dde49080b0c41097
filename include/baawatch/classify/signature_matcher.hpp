#pragma once
// Matches flow facts against the signature catalog. Built once per snapshot; lookups are
// read-only and thread-safe. Name rules use a hash of exact names and of every suffix;
// IP rules a partition of each family's address space into intervals (one binary search).
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "baawatch/common/ip_address.hpp"

namespace baawatch::classify {

// Which observed field matched (appears in evidence as `field`).
enum class EvidenceField : std::uint8_t {
  kTlsSni,      // "tls.sni"
  kQuicSni,     // "quic.sni"
  kDnsQuery,    // "dns.query": the client resolved this name to the server address
  kHttpHost,    // "http.host"
  kServerIp,    // "server.ip"
  kNdpi,        // "ndpi.protocol"
  kBehaviour,   // "behaviour"
  kWireShape,   // "payload.shape": the flow's first bytes have a protocol's documented shape
};
std::string_view toString(EvidenceField field);

struct SignatureMatch {
  const ServiceSignature* service = nullptr;
  const SignatureRule* rule = nullptr;
  EvidenceField field = EvidenceField::kServerIp;
  std::string value;                   // the observed value that matched (name, address, label)
};

class SignatureMatcher {
 public:
  explicit SignatureMatcher(std::shared_ptr<const SignatureCatalog> catalog);
  ~SignatureMatcher();
  SignatureMatcher(SignatureMatcher&&) noexcept;
  SignatureMatcher& operator=(SignatureMatcher&&) noexcept;

  // Rules whose name lists contain `name` (exact or suffix), honouring protocol/port limits.
  std::vector<SignatureMatch> matchName(std::string_view name, EvidenceField field,
                                        L4Protocol protocol, std::uint16_t serverPort) const;
  // Rules whose IP ranges contain `server`, honouring protocol/port limits.
  std::vector<SignatureMatch> matchAddress(const IpAddress& server, L4Protocol protocol,
                                           std::uint16_t serverPort) const;
  // Rules listing this nDPI protocol name, honouring protocol/port limits.
  std::vector<SignatureMatch> matchNdpi(std::string_view ndpiName, L4Protocol protocol,
                                        std::uint16_t serverPort) const;

  // Rules listing this wire shape, honouring protocol/port limits.
  std::vector<SignatureMatch> matchWireShape(WireShape shape, L4Protocol protocol,
                                             std::uint16_t serverPort) const;

  const SignatureCatalog& catalog() const;

 private:
  struct Index;
  std::shared_ptr<const SignatureCatalog> catalog_;
  std::unique_ptr<Index> index_;
};

}  // namespace baawatch::classify
