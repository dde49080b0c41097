#include "baawatch/report/plain_words.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace baawatch::report {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The first word of a server.ip value: "17.188.167.41 udp/3478 (documented relay port)".
std::string_view addressOf(std::string_view value) {
  return value.substr(0, value.find(' '));
}

// Behaviour rules state what the traffic did in the signature's terms; these say it in words.
// A rule not listed falls back to "Traffic pattern: <value>".
struct BehaviourPhrase {
  std::string_view ruleId;
  std::string_view shortWords;  // for the headline's parenthesis; empty: not in the headline
  std::string_view longWords;   // for the evidence list
};
// The FaceTime behaviour weighs signals (facetime.apple-stun-attributes ... facetime.combination);
// records written before it name the shapes it replaced (relay-multiplex, p2p-stun, webrtc-media).
constexpr std::array<BehaviourPhrase, 14> kBehaviourPhrases = {{
    {"facetime.relay-multiplex",
     "STUN, TURN and QUIC multiplexed on one connection, no server name sent",
     "Call set-up (STUN/TURN) and an encrypted QUIC session shared one connection with no "
     "server name, the way Apple's FaceTime relays work"},
    {"facetime.media-rate", "",
     "A steady two-way stream of audio/video packets, as a live call sends"},
    {"facetime.p2p-stun", "direct device-to-device leg with Apple's connection checks",
     "Direct device-to-device call set-up carrying Apple-specific connection-check fields"},
    {"facetime.rtp-payload-types", "", "Audio/video packets of the formats FaceTime uses"},
    {"facetime.webrtc-media", "browser call media",
     "Browser (WebRTC) call media to Apple after opening facetime.apple.com"},
    {"imessage.attachment-after-push", "upload right after Apple push activity",
     "An upload to iCloud storage right after Apple push-notification activity: possibly an "
     "iMessage attachment (iCloud Photos uses the same servers)"},
    {"facetime.legacy-ports", "", "Traffic on the ports older FaceTime versions use"},
    {"facetime.apple-stun-attributes", "call set-up with Apple's connection checks",
     "Call set-up carrying Apple-specific connection-check fields, which only Apple devices send"},
    {"facetime.quic-without-sni", "STUN, TURN and QUIC on one connection, no server name sent",
     "An encrypted QUIC session with no server name sharing the call's connection, the way "
     "Apple's FaceTime relays work"},
    {"facetime.stun-turn", "", "Call set-up messages (STUN/TURN), as every calling app sends"},
    {"facetime.rtp", "", "Audio/video packets (RTP)"},
    {"facetime.relay-ports", "", "Traffic on a port Apple documents for FaceTime relays"},
    {"facetime.p2p-ports", "", "Traffic on a port Apple documents for FaceTime"},
    {"facetime.combination", "", "Independent signs of a FaceTime call agreed"},
}};

const BehaviourPhrase* phraseFor(std::string_view ruleId) {
  for (const auto& phrase : kBehaviourPhrases) {
    if (phrase.ruleId == ruleId) return &phrase;
  }
  return nullptr;
}

}  // namespace

std::string describeEvidence(const RawEvidence& evidence, const ServiceRef& service) {
  const std::string& value = evidence.value;
  const std::string vendor = service.vendor.empty() ? std::string("the vendor") : service.vendor;
  if (startsWith(evidence.ruleId, "context.")) {
    return fmt::format("Attributed from what else the device was doing: {}", value);
  }
  if (evidence.field == "tls.sni") {
    return fmt::format("Encrypted connection to {} (the server name the device sent)", value);
  }
  if (evidence.field == "quic.sni") {
    return fmt::format("Encrypted QUIC connection to {} (the server name the device sent)", value);
  }
  if (evidence.field == "http.host") return fmt::format("Unencrypted web request to {}", value);
  if (evidence.field == "dns.query") return fmt::format("The device looked up the name {}", value);
  if (evidence.field == "server.ip") {
    std::string_view address = addressOf(value);
    bool relay = evidence.ruleId.find("relay") != std::string::npos;
    return fmt::format("Traffic to {}, {} of {}{}", address, relay ? "a call relay" : "an address",
                       vendor,
                       address.size() < value.size()
                           ? fmt::format(": {}", std::string_view(value).substr(address.size() + 1))
                           : std::string());
  }
  if (evidence.field == "ndpi.protocol") {
    return fmt::format("The nDPI traffic classifier recognised it as {}", value);
  }
  if (evidence.field == "payload.shape") {
    return fmt::format("The first bytes of the traffic have the documented form of {} ({})",
                       service.name.empty() ? vendor : service.name, value);
  }
  if (const BehaviourPhrase* phrase = phraseFor(evidence.ruleId)) {
    return fmt::format("{} ({})", phrase->longWords, value);
  }
  return fmt::format("Traffic pattern: {}", value);
}

std::string kindWords(std::string_view kind, std::string_view media) {
  if (kind == "call") return media.empty() ? "call" : fmt::format("{} call", media);
  if (kind == "messaging") return "messaging";
  if (kind == "web") return "web use";
  if (kind == "presence") return "presence";
  return kind.empty() ? std::string("use") : std::string(kind);
}

std::string categoryWords(std::string_view category) {
  if (category == "video") return "Video calls";
  if (category == "messaging") return "Messaging";
  if (category == "presence") return "Presence only";
  if (category == "visibility-loss") return "Hides traffic from the monitor";
  return std::string(category);
}

bool tiersLookAlike(std::string_view serviceId) {
  return serviceId == "zoom" || serviceId == "google-meet" || serviceId == "webex" ||
         serviceId == "teams-free";
}

std::string encounterHeadline(const ServiceRef& service, std::string_view kind,
                              std::string_view media, const std::vector<RawEvidence>& evidence,
                              const std::vector<std::string>& remoteAddresses) {
  std::string name = service.name.empty() ? service.id : service.name;
  std::string text = fmt::format("{} {}", name, kindWords(kind, media));
  const std::string vendor = service.vendor.empty() ? std::string("vendor") : service.vendor;

  // Where it went: a named server beats a bare address; a relay is said to be one.
  std::string via;
  for (const auto& item : evidence) {
    if (item.field == "server.ip" && item.ruleId.find("relay") != std::string::npos) {
      via = fmt::format("via {} relay {}", vendor, addressOf(item.value));
      break;
    }
  }
  if (via.empty()) {
    for (std::string_view field : {"tls.sni", "quic.sni", "http.host", "dns.query"}) {
      auto named = std::find_if(evidence.begin(), evidence.end(),
                                [&](const RawEvidence& item) { return item.field == field; });
      if (named != evidence.end()) {
        via = fmt::format("to {}", named->value);
        break;
      }
    }
  }
  if (via.empty()) {
    auto address = std::find_if(evidence.begin(), evidence.end(),
                                [](const RawEvidence& item) { return item.field == "server.ip"; });
    if (address != evidence.end()) {
      via = fmt::format("to {} server {}", vendor, addressOf(address->value));
    } else if (!remoteAddresses.empty()) {
      via = fmt::format("to {}", remoteAddresses.front());
    }
  }
  if (!via.empty()) text += " " + via;

  std::string notes;
  for (const auto& item : evidence) {
    const BehaviourPhrase* phrase = phraseFor(item.ruleId);
    if (phrase == nullptr || phrase->shortWords.empty()) continue;
    if (notes.find(phrase->shortWords) != std::string::npos) continue;
    if (!notes.empty()) notes += "; ";
    notes += phrase->shortWords;
  }
  if (!notes.empty()) text += fmt::format(" ({})", notes);
  return text;
}

}  // namespace baawatch::report
