#pragma once
// Our signatures (signatures/services/*.yaml) as the chain's last detector: every name the flow
// showed (TLS SNI, QUIC SNI, HTTP host, the DNS name its client resolved to the server address),
// the server address, nDPI's labels and the wire shapes of its first payloads are matched; the
// service with the strongest evidence wins, raised one step when a medium rule is confirmed by a
// second field. DNS, mDNS and LLMNR flows are attributed only by a wire shape (encrypted DNS on
// their ports): a lookup is not use. Private to classify. Thread: one per FlowClassifier.
#include <memory>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/dns_cache.hpp"
#include "baawatch/classify/signature_matcher.hpp"

namespace baawatch::classify {

class SignatureDetector final : public FlowDetector {
 public:
  // `dnsCache` outlives the detector (both belong to one FlowClassifier).
  SignatureDetector(std::shared_ptr<const SignatureCatalog> catalog, const DnsCache& dnsCache);

  std::string_view name() const override { return "signatures"; }
  // Looks up the name the client resolved, on the flow's packets until one is found.
  void observe(PacketContext& context, DetectorFlowState* state) override;
  Assessment judge(JudgeContext& context, DetectorFlowState* state) override;

 private:
  std::shared_ptr<const SignatureCatalog> catalog_;
  SignatureMatcher matcher_;
  const DnsCache& dnsCache_;
};

}  // namespace baawatch::classify
