// The whole packet pipeline (decode, inventory, DNS cache, flow table, nDPI, signatures,
// behaviour, policy, records) fed raw frames; input format in fuzz_support.hpp (FrameSplitter).
// A fresh Pipeline per input so a crash reproduces from its input alone; every record is
// serialised as the JSON-lines sink would. The one costly part, nDPI's detection module, is kept
// from one input to the next while an input leaves it as it was (ndpi_module_reuse.cpp).
#include <nlohmann/json.hpp>

#include "baawatch/classify/signature.hpp"
#include "baawatch/engine/pipeline.hpp"
#include "baawatch/policy/policy.hpp"
#include "fuzz_support.hpp"

namespace {

class SerialisingSink : public baawatch::sink::RecordSink {
 public:
  void write(const nlohmann::json& record) override {
    bytes_ += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
  }
  void flush() override {}

 private:
  std::size_t bytes_ = 0;
};

std::shared_ptr<const baawatch::classify::SignatureCatalog>& catalog() {
  static std::shared_ptr<const baawatch::classify::SignatureCatalog> loaded;  // read-only
  return loaded;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  catalog() = std::make_shared<const baawatch::classify::SignatureCatalog>(
      baawatch::classify::loadSignatureCatalog(baawatch::fuzz::sourceDir() + "/signatures"));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baawatch;
  if (size < 1) return 0;
  if (!catalog()) LLVMFuzzerInitialize(nullptr, nullptr);
  const int linkType = fuzz::kLinkTypes[data[0] % std::size(fuzz::kLinkTypes)];
  engine::Snapshot snapshot{catalog(), std::make_shared<const policy::Policy>(policy::defaultPolicy()),
                            engine::Settings{}};
  SerialisingSink sink;
  auto pipeline = engine::makePipeline(std::move(snapshot), sink,
                                       baawatch::record::RecordOrigin{"fuzz", "0123456789abcdef"});
  fuzz::FrameSplitter frames({data + 1, size - 1});
  std::span<const std::uint8_t> frame;
  // 2025-07-14T09:30:00Z; 40 ms apart so flows, DNS answers and calls see plausible times.
  std::int64_t micros = 1752485400LL * 1000000;
  while (frames.next(frame)) {
    capture::RawPacket packet;
    packet.time = Timestamp{micros};
    packet.wireLength = static_cast<std::uint32_t>(frame.size());
    packet.data = frame;
    packet.linkType = linkType;
    pipeline->process(packet);
    micros += 40000;
  }
  pipeline->finish();
  return 0;
}
