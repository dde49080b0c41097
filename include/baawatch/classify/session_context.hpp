#pragma once
// Attribution of calls by device context, for vendors whose services share one relay infrastructure
// (Meta: WhatsApp and Messenger; Microsoft: Skype and Teams). A call to a Meta STUN relay
// proves "a Meta call", not which app: nDPI 4.2 picks WhatsAppCall or FacebookVoip from its IP
// lists, not from the traffic. When a flow's verdict rests on addresses or nDPI labels alone (no
// name the device looked up or sent), and the same device is, at that moment, in a session with a
// sibling service of the same vendor that *was* named (a messaging or call session, never a
// presence signal), and not in one with the verdict's own service, the call is attributed to the
// sibling, with the context as evidence. A call whose own service the device named within the
// window (facetime.apple.com, then WebRTC media to Apple) gains one step of confidence: two
// independent signals agree. Only call verdicts are refined.
// A session lasts while one of its named flows is open (a chat connection held all day) and for
// the sibling's `behaviour: session_window_seconds` after its last packet (default 600 s; any
// service's file may set it, needs() declares it).
// A session outlives a reload: it keeps the catalog its service came from alive (as a Verdict
// does), and a verdict re-attributed to it takes that catalog along.
// A ContextRule: refine() of a judged flow refines its verdict, then remembers it.
// Thread: owned by the decision stage.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/common/timestamp.hpp"

namespace baawatch::classify {

class SessionContext final : public ContextRule {
 public:
  static std::vector<DetectorNeeds> needs();

  // ContextRule
  std::string_view name() const override { return "session context"; }
  std::string_view refinedCounter() const override { return "classify.context_refined"; }
  bool refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
              Timestamp time) override;
  void flowEnded(const flow::Flow& flow, const FlowFacts& facts, Timestamp endTime) override;
  void forgetBefore(Timestamp now) override { forgetBefore(now, kForgetMarginSeconds); }
  // Sessions keep the catalog their service came from: nothing to reread.
  void replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) override { (void)catalog; }

  // Records a classified flow of `deviceId` (only verdicts with name evidence open a session);
  // `flowId`, when given, keeps the session open until flowEnded() of that flow.
  void observe(const std::string& deviceId, const Verdict& verdict, Timestamp time,
               std::optional<std::uint64_t> flowId = std::nullopt);
  // Returns true and rewrites `verdict` when the device context names the service better.
  bool refine(const std::string& deviceId, Verdict& verdict, Timestamp time) const;
  // Forgets sessions that ended more than `margin` seconds before their window closed at `now`:
  // without it a device id (one per spoofed source on a link without MACs) would stay for good.
  // The margin keeps late verdicts (dated by a flow's end, before `now`) judged as before.
  void forgetBefore(Timestamp now, double margin);
  static constexpr double kForgetMarginSeconds = 7200;
  std::size_t devices() const { return named_.size(); }

 private:
  static double windowFor(const ServiceSignature& service);
  // device id -> service id -> (service, last time a named flow of it was seen)
  struct Seen {
    std::shared_ptr<const SignatureCatalog> catalog;  // keeps `service` alive across reloads
    const ServiceSignature* service = nullptr;
    Timestamp namedAt;       // the latest classification of a named flow: the evidence's time
    Timestamp last;          // the latest of those and of the ended named flows' last packets
    unsigned openFlows = 0;  // named flows of the session not ended yet
  };
  bool fresh(const Seen& seen, Timestamp time) const;
  std::unordered_map<std::string, std::map<std::string, Seen>> named_;
  // Named flows still open: flow id -> (device id, service id).
  std::unordered_map<std::uint64_t, std::pair<std::string, std::string>> openNamed_;
};

bool hasNameEvidence(const Verdict& verdict);

}  // namespace baawatch::classify
