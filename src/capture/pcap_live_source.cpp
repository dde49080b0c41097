// Live capture over libpcap's create/activate API, which is the only way to set immediate mode
// and the buffer size before the ring is built (pcap_open_live cannot).
#include "baawatch/capture/pcap_live_source.hpp"
#include "capture/pcap_packet.hpp"

#include <pcap/pcap.h>

namespace baawatch::capture {

std::string bpfFilterError(const std::string& filter, std::uint32_t snaplen) {
  std::unique_ptr<pcap_t, decltype(&pcap_close)> dead(
      pcap_open_dead(DLT_EN10MB, static_cast<int>(snaplen)), &pcap_close);
  if (dead == nullptr) return "cannot check the filter (pcap_open_dead failed)";
  bpf_program program{};
  if (pcap_compile(dead.get(), &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return pcap_geterr(dead.get());
  }
  pcap_freecode(&program);
  return {};
}

struct PcapLiveSource::Handle {
  struct Closer {
    void operator()(pcap_t* pcap) const { pcap_close(pcap); }
  };
  std::unique_ptr<pcap_t, Closer> pcap;
  int linkType = 0;
};

PcapLiveSource::PcapLiveSource(std::string interface, std::unique_ptr<Handle> handle)
    : interface_(std::move(interface)), handle_(std::move(handle)) {}
PcapLiveSource::PcapLiveSource(PcapLiveSource&&) noexcept = default;
PcapLiveSource& PcapLiveSource::operator=(PcapLiveSource&&) noexcept = default;
PcapLiveSource::~PcapLiveSource() = default;

Expected<PcapLiveSource, CaptureError> PcapLiveSource::open(const LiveCaptureOptions& options) {
  char error[PCAP_ERRBUF_SIZE] = {};
  auto fail = [&](const std::string& what) {
    return unexpected(CaptureError{options.interface + ": " + what});
  };
  if (options.interface.empty()) return fail("no interface named");
  auto handle = std::make_unique<Handle>();
  handle->pcap.reset(pcap_create(options.interface.c_str(), error));
  if (!handle->pcap) return fail(error);
  pcap_t* pcap = handle->pcap.get();
  pcap_set_snaplen(pcap, static_cast<int>(options.snaplen));
  pcap_set_promisc(pcap, options.promiscuous ? 1 : 0);
  // The timeout bounds how long next() blocks, so signals and housekeeping run while idle.
  pcap_set_timeout(pcap, static_cast<int>(options.timeoutMillis));
  pcap_set_buffer_size(pcap, static_cast<int>(options.bufferBytes));
  pcap_set_immediate_mode(pcap, options.immediate ? 1 : 0);
  pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_MICRO);
  int status = pcap_activate(pcap);
  if (status < 0) {
    // PCAP_ERROR has its text in pcap_geterr; the specific codes are described by statustostr.
    std::string text = status == PCAP_ERROR ? pcap_geterr(pcap) : pcap_statustostr(status);
    if (status == PCAP_ERROR_NO_SUCH_DEVICE || status == PCAP_ERROR_PERM_DENIED) {
      std::string detail = pcap_geterr(pcap);
      if (!detail.empty()) text = detail;
    }
    return fail(text);
  }
  if (!options.filter.empty()) {
    bpf_program program{};
    if (pcap_compile(pcap, &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return fail("BPF filter '" + options.filter + "': " + pcap_geterr(pcap));
    }
    int set = pcap_setfilter(pcap, &program);
    pcap_freecode(&program);
    if (set != 0) return fail("BPF filter '" + options.filter + "': " + pcap_geterr(pcap));
  }
  if (pcap_setnonblock(pcap, 1, error) != 0) return fail(std::string("non-blocking mode: ") + error);
  handle->linkType = pcap_datalink(pcap);
  return PcapLiveSource(options.interface, std::move(handle));
}

NextStatus PcapLiveSource::next(RawPacket& packet) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int result = pcap_next_ex(handle_->pcap.get(), &header, &data);
  if (result == 1) {
    fillRawPacket(packet, *header, data, handle_->linkType);
    return NextStatus::kPacket;
  }
  if (result == 0) return NextStatus::kIdle;
  // -1 (e.g. "The interface went down" / ENXIO when it is deleted) and -2 both mean the handle
  // will deliver nothing more.
  lastError_ = interface_ + ": " + pcap_geterr(handle_->pcap.get());
  return NextStatus::kError;
}

Expected<LiveCaptureStats, CaptureError> PcapLiveSource::stats() const {
  pcap_stat raw{};
  if (pcap_stats(handle_->pcap.get(), &raw) != 0) {
    return unexpected(CaptureError{interface_ + ": " + pcap_geterr(handle_->pcap.get())});
  }
  return LiveCaptureStats{raw.ps_recv, raw.ps_drop, raw.ps_ifdrop};
}

int PcapLiveSource::linkType() const { return handle_->linkType; }

int PcapLiveSource::selectableFd() const { return pcap_get_selectable_fd(handle_->pcap.get()); }

}  // namespace baawatch::capture
