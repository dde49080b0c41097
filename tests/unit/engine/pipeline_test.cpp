#include "baawatch/engine/pipeline.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/decode/hex_fixture.hpp"
#include "unit/fixtures/frames.hpp"
#include "baawatch/classify/signature.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::engine {
namespace {

using Bytes = std::vector<std::uint8_t>;
using decode::testing::hexBytes;
using nlohmann::json;
namespace tcp = decode::tcp_flags;

// Keeps every record in memory.
class MemorySink : public sink::RecordSink {
 public:
  void write(const json& record) override { records.push_back(record); }
  void flush() override { ++flushes; }
  std::vector<json> records;
  int flushes = 0;
};

// ---- Frames: tests/unit/fixtures/frames.hpp -------------------------------------------------

using baawatch::testing::frames::append;
using baawatch::testing::frames::put16;
using baawatch::testing::frames::Endpoints;
using baawatch::testing::frames::reverse;
using baawatch::testing::frames::tcpFrame;
using baawatch::testing::frames::udpFrame;
using baawatch::testing::frames::v4;

const Bytes kPhoneMac = baawatch::testing::frames::kDeviceMac;
const Bytes kBroadcastMac = hexBytes("ff ff ff ff ff ff");
const std::string kPhone = baawatch::testing::frames::kDeviceIp;
const std::string kResolver = "192.168.1.1";
const std::string kMeta = "157.240.1.53";
const std::string kHostName = "Dr-Lee-iPhone";
// Bytes only a payload holds: they must never reach a record.
const std::string kMarker = "PAYLOAD-MARKER-7f3a9c";

// RFC 2131 BOOTREQUEST from the phone: DHCPREQUEST for kPhone with option 12 = kHostName.
Bytes dhcpRequest() {
  Bytes message = hexBytes("01 01 06 00 a1 b2 c3 d4 00 00 00 00");  // op, htype, hlen, xid...
  message.resize(28, 0);                                             // ciaddr..giaddr = 0
  append(message, kPhoneMac);
  message.resize(236, 0);  // chaddr padding, sname, file
  append(message, hexBytes("63 82 53 63 35 01 03 32 04"));  // cookie, 53=REQUEST, 50 len 4
  append(message, v4(kPhone));
  message.push_back(12);
  message.push_back(static_cast<std::uint8_t>(kHostName.size()));
  message.insert(message.end(), kHostName.begin(), kHostName.end());
  message.push_back(0xff);
  return udpFrame({"0.0.0.0", 68, "255.255.255.255", 67}, message, &kBroadcastMac);
}

// A query for g.whatsapp.net A, or the response with A kMeta (ttl 300).
Bytes dnsMessage(bool response) {
  return baawatch::testing::frames::dnsMessage("g.whatsapp.net", kMeta, response);
}

Bytes clientHello(const std::string& name = "g.whatsapp.net") {
  return baawatch::testing::frames::clientHello(name);
}

// A TLS application-data record whose "ciphertext" is the marker, repeated.
Bytes applicationData() {
  Bytes data;
  for (int i = 0; i < 8; ++i) data.insert(data.end(), kMarker.begin(), kMarker.end());
  Bytes record = {0x17, 0x03, 0x03};
  put16(record, data.size());
  append(record, data);
  return record;
}

struct TimedFrame {
  double time;
  Bytes bytes;
};

// One HTTPS connection of the phone to WhatsApp, from `port`, starting at `start`.
void whatsappConnection(std::vector<TimedFrame>& frames, std::uint16_t port, double start) {
  const Endpoints up{kPhone, port, kMeta, 443};
  const Endpoints down = reverse(up);
  const std::uint32_t c = 1000, s = 9000;
  const std::uint32_t hello = static_cast<std::uint32_t>(clientHello().size());
  const std::uint32_t data = static_cast<std::uint32_t>(applicationData().size());
  frames.push_back({start, tcpFrame(up, tcp::kSyn, c, 0)});
  frames.push_back({start + 0.03, tcpFrame(down, tcp::kSyn | tcp::kAck, s, c + 1)});
  frames.push_back({start + 0.031, tcpFrame(up, tcp::kAck, c + 1, s + 1)});
  frames.push_back({start + 0.032, tcpFrame(up, tcp::kPsh | tcp::kAck, c + 1, s + 1, clientHello())});
  frames.push_back(
      {start + 0.5, tcpFrame(up, tcp::kPsh | tcp::kAck, c + 1 + hello, s + 1, applicationData())});
  frames.push_back({start + 0.6, tcpFrame(down, tcp::kPsh | tcp::kAck, s + 1,
                                          c + 1 + hello + data, applicationData())});
  frames.push_back(
      {start + 2.0, tcpFrame(up, tcp::kFin | tcp::kAck, c + 1 + hello + data, s + 1 + data)});
  frames.push_back(
      {start + 2.03, tcpFrame(down, tcp::kFin | tcp::kAck, s + 1 + data, c + 2 + hello + data)});
}

std::vector<TimedFrame> scenario() {
  const double t0 = 1700000000.0;
  std::vector<TimedFrame> frames;
  frames.push_back({t0, dhcpRequest()});
  const Endpoints query{kPhone, 40000, kResolver, 53};
  frames.push_back({t0 + 1.0, udpFrame(query, dnsMessage(false))});
  frames.push_back({t0 + 1.02, udpFrame(reverse(query), dnsMessage(true))});
  whatsappConnection(frames, 51000, t0 + 1.1);
  // A second connection 30 s later: the same alert again, within the suppression interval.
  whatsappConnection(frames, 51001, t0 + 31.0);
  return frames;
}

std::vector<const json*> recordsOf(const std::vector<json>& records, const std::string& type) {
  std::vector<const json*> found;
  for (const auto& r : records)
    if (r.value("event_type", "") == type) found.push_back(&r);
  return found;
}

// Every case runs with one worker (the whole pipeline on the calling thread) and with two
// (flow-sharded workers and a decision thread): the records must not depend on it.
class PipelineTest : public ::testing::TestWithParam<unsigned> {
 protected:
  // A SIGHUP before the first frame at or after `time`; `signatureVersion` non-empty: the
  // signatures changed too (the classifier is rebuilt).
  struct Reload {
    double time;
    std::string signatureVersion;
  };

  static Snapshot makeSnapshot(bool flowRecords, double ndpiTimeBudget,
                               const std::string& signatureVersion = {}) {
    Snapshot snapshot;
    snapshot.settings.flows.ndpiTimeBudget = ndpiTimeBudget;
    classify::SignatureCatalog catalog =
        classify::loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures");
    if (!signatureVersion.empty()) catalog.version = signatureVersion;
    snapshot.catalog = std::make_shared<const classify::SignatureCatalog>(std::move(catalog));
    snapshot.policy = std::make_shared<const policy::Policy>(policy::defaultPolicy());
    snapshot.settings.output.flowRecords = flowRecords;
    return snapshot;
  }

  void run(bool flowRecords, std::vector<TimedFrame> frames = scenario(),
           double ndpiTimeBudget = FlowSettings{}.ndpiTimeBudget, std::vector<Reload> reloads = {}) {
    auto pipeline = makePipeline(makeSnapshot(flowRecords, ndpiTimeBudget), sink_,
                                 record::RecordOrigin{"test-sensor", "0123456789abcdef"}, GetParam());
    frames_ = std::move(frames);
    std::size_t nextReload = 0;
    for (const TimedFrame& frame : frames_) {
      while (nextReload < reloads.size() && reloads[nextReload].time <= frame.time) {
        pipeline->replaceSnapshot(
            makeSnapshot(flowRecords, ndpiTimeBudget, reloads[nextReload].signatureVersion));
        ++nextReload;
      }
      capture::RawPacket raw;
      raw.time = Timestamp::fromSeconds(frame.time);
      raw.wireLength = static_cast<std::uint32_t>(frame.bytes.size());
      raw.data = frame.bytes;
      raw.linkType = 1;
      pipeline->process(raw);
    }
    pipeline->finish();
  }
  MemorySink sink_;
  std::vector<TimedFrame> frames_;
};

TEST_P(PipelineTest, OneAlertOneEncounterCountsAndFinalStats) {
  run(false);
  const auto& records = sink_.records;
  ASSERT_FALSE(records.empty());

  const auto alerts = recordsOf(records, "alert");
  ASSERT_EQ(alerts.size(), 1u) << json(records).dump(1);
  const json& alert = *alerts[0];
  EXPECT_EQ(alert.at("service").at("id"), "whatsapp");
  EXPECT_EQ(alert.at("device").at("ip"), kPhone);
  EXPECT_EQ(alert.at("device").at("mac"), "3c:22:fb:12:34:56");
  EXPECT_EQ(alert.at("device").at("host_name"), kHostName);
  EXPECT_EQ(alert.at("flow").at("server_ip"), kMeta);
  EXPECT_EQ(alert.at("flow").at("client_port"), 51000);  // the first connection raised it
  EXPECT_EQ(alert.at("policy").at("action"), "alert");
  bool sniEvidence = false;
  for (const auto& e : alert.at("evidence"))
    sniEvidence = sniEvidence || (e.at("field") == "tls.sni" && e.at("value") == "g.whatsapp.net");
  EXPECT_TRUE(sniEvidence) << alert.at("evidence").dump();
  EXPECT_TRUE(recordsOf(records, "visibility").empty());

  const auto encounters = recordsOf(records, "encounter");
  ASSERT_EQ(encounters.size(), 1u) << json(records).dump(1);
  const json& encounter = *encounters[0];
  EXPECT_EQ(encounter.at("service").at("id"), "whatsapp");
  EXPECT_EQ(encounter.at("device").at("host_name"), kHostName);
  EXPECT_EQ(encounter.at("flows"), 2);
  EXPECT_EQ(encounter.at("alerts"), 1);
  EXPECT_EQ(encounter.at("remote_addresses"), json::array({kMeta}));
  EXPECT_GT(encounter.at("from_device").at("bytes").get<std::uint64_t>(), 0u);
  EXPECT_GT(encounter.at("to_device").at("bytes").get<std::uint64_t>(), 0u);

  std::uint64_t classified = 0, alerted = 0, suppressed = 0, ended = 0;
  for (const json* count : recordsOf(records, "counts")) {
    EXPECT_EQ(count->at("service_id"), "whatsapp") << count->dump();
    EXPECT_EQ(count->at("device").at("host_name"), kHostName);
    classified += count->at("flows_classified").get<std::uint64_t>();
    alerted += count->at("alerts").get<std::uint64_t>();
    suppressed += count->at("suppressed").get<std::uint64_t>();
    ended += count->at("flows_ended").get<std::uint64_t>();
  }
  EXPECT_EQ(classified, 2u);
  EXPECT_EQ(alerted, 1u);
  EXPECT_EQ(suppressed, 1u);
  EXPECT_EQ(ended, 2u);

  const json& last = records.back();
  EXPECT_EQ(last.at("event_type"), "stats");
  EXPECT_EQ(last.at("final"), true);
  EXPECT_EQ(last.at("counters").at("capture.packets"), frames_.size());
  EXPECT_EQ(last.at("counters").at("policy.alerts"), 1);
  EXPECT_EQ(last.at("counters").at("policy.suppressed"), 1);
  EXPECT_EQ(last.at("counters").at("flow.active"), 0);
  EXPECT_EQ(recordsOf(records, "stats").size(), 1u);  // stats interval 0: only the final one
  EXPECT_GE(sink_.flushes, 1);
  for (const auto& r : records) {
    EXPECT_EQ(r.at("schema_version"), 1);
    EXPECT_EQ(r.at("sensor"), "test-sensor");
  }
}

TEST_P(PipelineTest, ReloadsKeepTheAlertsAlreadyRaisedAndWhatWasCounted) {
  // The scenario's second connection (t0 + 31) repeats the first's alert within the interval:
  // reloads before it, with the same files and with new signatures, must not raise it again.
  const double t0 = 1700000000.0;
  run(false, scenario(), FlowSettings{}.ndpiTimeBudget,
      {{t0 + 5, ""}, {t0 + 20, "reloaded-signatures"}, {t0 + 30.5, "reloaded-signatures"}});
  const auto& records = sink_.records;
  const auto alerts = recordsOf(records, "alert");
  ASSERT_EQ(alerts.size(), 1u) << json(records).dump(1);
  EXPECT_EQ(alerts[0]->at("flow").at("client_port"), 51000);
  // One encounter across the reloads, with both connections, and the same counts as without.
  const auto encounters = recordsOf(records, "encounter");
  ASSERT_EQ(encounters.size(), 1u) << json(records).dump(1);
  EXPECT_EQ(encounters[0]->at("flows"), 2);
  EXPECT_EQ(encounters[0]->at("device").at("host_name"), kHostName);  // the inventory stayed
  std::uint64_t alerted = 0, suppressed = 0;
  for (const json* count : recordsOf(records, "counts")) {
    alerted += count->at("alerts").get<std::uint64_t>();
    suppressed += count->at("suppressed").get<std::uint64_t>();
  }
  EXPECT_EQ(alerted, 1u);
  EXPECT_EQ(suppressed, 1u);
  const json& last = records.back();
  EXPECT_EQ(last.at("counters").at("policy.alerts"), 1);
  EXPECT_EQ(last.at("counters").at("policy.suppressed"), 1);
  EXPECT_EQ(last.at("counters").at("daemon.reload.applied"), 3);
  EXPECT_EQ(last.at("counters").at("daemon.reload.classifier_rebuilt"), 1);
  // The DNS answer learned before the classifier was rebuilt is still counted as learned.
  EXPECT_GE(last.at("counters").at("dns_cache.learned").get<std::uint64_t>(), 1u);
}

TEST_P(PipelineTest, NoPayloadByteInAnyRecord) {
  run(true);  // flow records on: they carry the most per-flow facts
  ASSERT_FALSE(recordsOf(sink_.records, "flow").empty());
  bool sawSni = false;
  for (const auto& record : sink_.records) {
    const std::string text = record.dump();
    EXPECT_EQ(text.find(kMarker), std::string::npos) << text;
    EXPECT_EQ(text.find("PAYLOAD-MARKER"), std::string::npos) << text;
    sawSni = sawSni || record.value("tls_sni", "") == "g.whatsapp.net";
  }
  EXPECT_TRUE(sawSni) << "flow records should carry the SNI (metadata)";
  EXPECT_EQ(recordsOf(sink_.records, "alert").size(), 1u);
}

TEST_P(PipelineTest, DnsResponseWhoseQueryWasMissedRaisesNothing) {
  // The capture starts between query and response: the flow's first packet comes from port 53.
  // nDPI labels it DNS.WhatsApp; it must not become an alert against the resolver.
  const Endpoints query{kPhone, 40000, kResolver, 53};
  run(false, {{1700000000.0, dhcpRequest()},
              {1700000001.0, udpFrame(reverse(query), dnsMessage(true))}});
  EXPECT_TRUE(recordsOf(sink_.records, "alert").empty()) << json(sink_.records).dump(1);
  EXPECT_TRUE(recordsOf(sink_.records, "encounter").empty());
  EXPECT_TRUE(recordsOf(sink_.records, "counts").empty());
  ASSERT_FALSE(sink_.records.empty());
  EXPECT_EQ(sink_.records.back().at("event_type"), "stats");
}

// A LINE connection that goes quiet after the ClientHello, as a chat app's connection does
// between messages. nDPI 4.2 does not know LINE's names, so it waits for the certificate that
// never comes; the SNI matches our LINE signature. Another device's packets keep the clock going.
std::vector<TimedFrame> quietLineConnection(double t0) {
  const Endpoints up{kPhone, 52000, "203.0.113.10", 443};
  std::vector<TimedFrame> frames;
  frames.push_back({t0, dhcpRequest()});
  frames.push_back({t0 + 1.0, tcpFrame(up, tcp::kSyn, 1000, 0)});
  frames.push_back({t0 + 1.03, tcpFrame(reverse(up), tcp::kSyn | tcp::kAck, 9000, 1001)});
  frames.push_back({t0 + 1.031, tcpFrame(up, tcp::kAck, 1001, 9001)});
  frames.push_back({t0 + 1.032, tcpFrame(up, tcp::kPsh | tcp::kAck, 1001, 9001,
                                         clientHello("uts-front.line-apps.com"))});
  const Endpoints other{"192.168.1.77", 40000, kResolver, 53};
  for (int second = 10; second <= 600; second += 10) {
    frames.push_back({t0 + second, udpFrame(other, dnsMessage(false))});
  }
  return frames;
}

TEST_P(PipelineTest, QuietFlowIsClassifiedWhenNdpisTimeBudgetRunsOut) {
  const double t0 = 1700000000.0;
  run(false, quietLineConnection(t0), 120);
  const auto alerts = recordsOf(sink_.records, "alert");
  ASSERT_EQ(alerts.size(), 1u) << json(sink_.records).dump(1);
  EXPECT_EQ(alerts[0]->at("service").at("id"), "line");
  // 120 s after the flow's first packet, not when the capture ends (t0 + 600).
  EXPECT_EQ(alerts[0]->at("timestamp"), "2023-11-14T22:15:21.000000Z");
  const json& stats = sink_.records.back();
  // This flow and the other device's DNS flow, whose answer nDPI waited for.
  EXPECT_EQ(stats.at("counters").at("classify.ndpi_time_budget_spent"), 2);
}

TEST_P(PipelineTest, WithoutTimeBudgetAQuietFlowWaitsForItsEnd) {
  const double t0 = 1700000000.0;
  run(false, quietLineConnection(t0), 0);
  const auto alerts = recordsOf(sink_.records, "alert");
  ASSERT_EQ(alerts.size(), 1u) << json(sink_.records).dump(1);
  EXPECT_EQ(alerts[0]->at("timestamp"), "2023-11-14T22:23:20.000000Z");  // the end: t0 + 600
  EXPECT_FALSE(sink_.records.back().at("counters").contains("classify.ndpi_time_budget_spent"));
}

}  // namespace
INSTANTIATE_TEST_SUITE_P(Workers, PipelineTest, ::testing::Values(1u, 2u),
                         [](const ::testing::TestParamInfo<unsigned>& info) {
                           return std::to_string(info.param) + "_workers";
                         });

}  // namespace baawatch::engine
