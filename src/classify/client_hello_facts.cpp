#include "classify/client_hello_facts.hpp"

namespace baawatch::classify {
namespace {

struct HelloState final : DetectorFlowState {
  ClientHelloProgress progress;
};

}  // namespace

std::unique_ptr<DetectorFlowState> ClientHelloFacts::newFlowState(const flow::Flow& flow) const {
  if (flow.protocol != 6 && flow.protocol != 17) return nullptr;
  return std::make_unique<HelloState>();
}

void ClientHelloFacts::observe(PacketContext& context, DetectorFlowState* state) {
  auto* hello = static_cast<HelloState*>(state);
  if (hello == nullptr || context.direction != flow::Direction::kToServer ||
      hello->progress.finished)
    return;
  const decode::DecodedPacket& packet = context.packet;
  FlowFacts& facts = context.facts;
  if (context.flow.protocol == 6) {
    if (auto read = reader_.onTcpSegment(hello->progress, packet, context.counters)) {
      facts.tlsServerName = std::move(read->serverName);
      facts.tlsAlpn = std::move(read->alpn);
      facts.tlsEchOffered = read->echOffered;
      facts.tlsSeenAt = packet.time;
    }
  } else if (!packet.payload.empty()) {
    if (auto read = reader_.onQuicDatagram(hello->progress, packet.payload, context.counters)) {
      facts.quicServerName = std::move(read->serverName);
      facts.tlsAlpn = std::move(read->alpn);
      facts.tlsEchOffered = read->echOffered;
    }
  }
}

bool ClientHelloFacts::timeUp(DetectorFlowState* state, Counters& /*counters*/) {
  auto* hello = static_cast<HelloState*>(state);
  if (hello == nullptr || !hello->progress.partial) return false;
  hello->progress = ClientHelloProgress{};
  hello->progress.finished = true;
  return true;
}

Assessment ClientHelloFacts::judge(JudgeContext& context, DetectorFlowState* state) {
  // A hello still being reassembled may hold the name nDPI did not read: wait for it.
  auto* hello = static_cast<HelloState*>(state);
  if (hello != nullptr && hello->progress.partial && !context.final)
    return Assessment{Judgement::kWatching, std::nullopt};
  return {};
}

}  // namespace baawatch::classify
