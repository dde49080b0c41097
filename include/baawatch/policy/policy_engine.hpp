#pragma once
// Applies the clinic's policy to classified flows: is the device on a clinical network, is it
// exempt, is there a BAA on file, is the service presence-only, and has this device+service+rule
// already been alerted within the suppression interval. Runs on flow events, not per packet.
// Thread: owned by one packet thread (suppression state is per thread).
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "baawatch/classify/verdict.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/flow/flow.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::policy {

enum class Action : std::uint8_t {
  kIgnore,      // not a clinical device: not ours to report
  kCount,       // counted (BAA on file, exempt, presence signal, low-confidence hint)
  kAlert,       // an alert record
  kVisibility,  // a visibility-loss record
};
std::string_view toString(Action action);  // "ignore", "count", "alert", "visibility"

struct Decision {
  Action action = Action::kIgnore;
  Severity severity = Severity::kInfo;
  std::string policyRule;   // "no_baa.video", "baa_on_file.zoom", "exempt.it-lab", "presence"
  std::string reason;       // in words, for the record
  bool suppressed = false;  // an alert that repeats one already raised within the interval
  std::string dedupKey;     // device + service + rule, stable across runs
};

class PolicyEngine {
 public:
  explicit PolicyEngine(std::shared_ptr<const Policy> policy) : policy_(std::move(policy)) {}

  // SIGHUP: the new policy decides from now on; which alerts were already raised (and the
  // counters) stay, so a reload never raises again what the suppression interval holds back.
  // A changed interval applies to the alerts already raised too.
  void replacePolicy(std::shared_ptr<const Policy> policy) { policy_ = std::move(policy); }

  bool isClinical(const IpAddress& address) const;
  // The clinic's device of a flow (or a signal) between `client` and `server`: the endpoint
  // inside the clinical networks, the client when both or neither are. The one rule for device
  // attribution; the sharded dispatch places flows by the same networks.
  flow::DeviceSide deviceSide(const IpAddress& client, const IpAddress& server) const {
    return isClinical(client) || !isClinical(server) ? flow::DeviceSide::client()
                                                     : flow::DeviceSide::server();
  }

  // `device` is the clinic-side endpoint of the flow; `vlan` the flow's VLAN.
  Decision decide(const classify::Verdict& verdict, const inventory::Device& device,
                  std::uint16_t vlan, Timestamp time);

  const Policy& policy() const { return *policy_; }
  const Counters& counters() const { return counters_; }

 private:
  const Exemption* exemptionFor(const std::string& serviceId, const inventory::Device& device,
                                std::uint16_t vlan) const;
  std::shared_ptr<const Policy> policy_;
  std::unordered_map<std::string, Timestamp> lastAlert_;
  Counters counters_;
};

}  // namespace baawatch::policy
