#pragma once
// A signal a flow detector emits for the context rules (classify/detector.hpp).
#include <optional>
#include <string>

#include "baawatch/common/ip_address.hpp"
#include "baawatch/common/timestamp.hpp"
#include "baawatch/decode/packet.hpp"

namespace baawatch::classify {

// Activity one flow showed that matters to other flows of the same device. `kind` names it for
// the context rule that reads it ("apple-push.activity"); the engine only carries it, in packet
// order, and finds the device from the endpoints.
struct DetectorSignal {
  std::string kind;
  IpAddress client;
  IpAddress server;
  std::optional<decode::MacAddress> clientMac;
  std::optional<decode::MacAddress> serverMac;
  Timestamp time;
};

}  // namespace baawatch::classify
