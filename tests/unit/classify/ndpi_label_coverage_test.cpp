// Every protocol name of the installed nDPI that marks one of our services or a loss of
// visibility must be used by a rule of the shipped signatures: nDPI's label reaches each flow
// (`ndpi_label`), and a name no rule lists is a detection thrown away (DNScrypt, FortiClient and
// AVASTSecureDNS were, while nDPI named them). The walk is over nDPI's own protocol list at run
// time, so a newer nDPI with new names (Tailscale, ProtonVPN, ...) fails here until they are
// mapped or excluded with a reason.
#include <gtest/gtest.h>
#include <ndpi/ndpi_api.h>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"

namespace baawatch::classify {
namespace {

const std::string kSourceDir = BAAWATCH_SOURCE_DIR;

struct NdpiModuleDeleter {
  void operator()(ndpi_detection_module_struct* module) const { ndpi_exit_detection_module(module); }
};

std::vector<std::string> installedNdpiNames() {
  std::unique_ptr<ndpi_detection_module_struct, NdpiModuleDeleter> module(
      ndpi_init_detection_module(ndpi_no_prefs));
  std::vector<std::string> names;
  if (!module) return names;
  u_int count = ndpi_get_num_supported_protocols(module.get());
  for (u_int id = 0; id < count; ++id) {
    const char* name = ndpi_get_proto_name(module.get(), static_cast<u_int16_t>(id));
    if (name != nullptr) names.emplace_back(name);
  }
  return names;
}

// What a name tells, by the words nDPI uses in its protocol names (case-insensitive), and the
// services whose rules may map it.
struct Marker {
  std::string pattern;
  std::set<std::string> services;
};

const std::vector<Marker>& markers() {
  static const std::vector<Marker> kMarkers = {
      {"whatsapp", {"whatsapp"}},
      {"^signal", {"signal"}},
      {"telegram", {"telegram"}},
      {"messenger|facebookvoip", {"messenger"}},
      {"snapchat", {"snapchat"}},
      {"viber", {"viber"}},
      {"wechat", {"wechat"}},
      {"^line", {"line"}},
      {"discord", {"discord"}},
      {"kakao", {"kakaotalk"}},
      {"threema", {"threema"}},
      {"skype|teams", {"skype", "teams-free"}},
      {"hangout|duo|googlemeet|googlecall", {"google-meet"}},
      {"zoom", {"zoom"}},
      {"webex", {"webex"}},
      {"facetime|imessage", {"facetime", "imessage"}},
      {"applepush", {"apple-push"}},
      {"privaterelay", {"icloud-private-relay"}},
      {"dns|doh|dot$|doq", {"encrypted-dns"}},
      {"vpn|ipsec|wireguard|tinc|hotspot|forti|pptp|l2tp|tunnel|warp|tailscale|zerotier|"
       "softether|nord|surfshark|proton|mullvad|psiphon|ultrasurf|lantern",
       {"vpn"}},
      {"^tor$", {"tor"}},
  };
  return kMarkers;
}

// Names that match a marker but are deliberately not mapped, each with why.
const std::map<std::string, std::string>& exclusions() {
  static const std::map<std::string, std::string> kExclusions = {
      {"DNS", "plain DNS: the names are read (dns.query), nothing is hidden"},
      {"MDNS", "multicast DNS on the LAN: device names, read by the inventory"},
      {"OpenDNS",
       "any traffic to Cisco OpenDNS's addresses, plain (readable) DNS included; its DoH host "
       "doh.opendns.com is in encrypted-dns.doh-resolvers"},
      {"TeamSpeak", "TeamSpeak is a gamers' voice chat, not one of the services baawatch watches"},
  };
  return kExclusions;
}

TEST(NdpiLabelCoverage, EveryTellingNdpiNameIsMappedByARule) {
  SignatureCatalog catalog = loadSignatureCatalog(kSourceDir + "/signatures");
  std::map<std::string, std::set<std::string>> servicesByNdpiName;
  for (const ServiceSignature& service : catalog.services) {
    for (const SignatureRule& rule : service.rules) {
      for (const std::string& name : rule.ndpiProtocols) servicesByNdpiName[name].insert(service.id);
    }
  }
  std::vector<std::string> names = installedNdpiNames();
  ASSERT_GT(names.size(), 200u) << "nDPI's protocol list could not be read";

  int telling = 0;
  for (const std::string& name : names) {
    if (exclusions().contains(name)) continue;
    for (const Marker& marker : markers()) {
      if (!std::regex_search(name, std::regex(marker.pattern, std::regex::icase))) continue;
      ++telling;
      const std::set<std::string>& mappedTo = servicesByNdpiName[name];
      bool mapped = std::any_of(mappedTo.begin(), mappedTo.end(), [&](const std::string& id) {
        return marker.services.contains(id);
      });
      std::string wanted;
      for (const std::string& id : marker.services) wanted += (wanted.empty() ? "" : " or ") + id;
      EXPECT_TRUE(mapped) << "nDPI names '" << name << "' (matches '" << marker.pattern
                          << "'), but no rule of " << wanted
                          << " lists it in `ndpi:`: map it in signatures/services/ or add it to "
                             "exclusions() with the reason";
    }
  }
  // The 4.2 list holds at least the names of the services above and the VPNs it knows.
  EXPECT_GE(telling, 30);
}

TEST(NdpiLabelCoverage, KnownVisibilityLossNamesAreMapped) {
  // The names nDPI 4.2 gives to tunnels and encrypted DNS, spelled out so that a marker pattern
  // edited too narrowly cannot let them slip.
  SignatureCatalog catalog = loadSignatureCatalog(kSourceDir + "/signatures");
  const std::map<std::string, std::string> expected = {
      {"OpenVPN", "vpn"},       {"WireGuard", "vpn"},     {"IPsec", "vpn"},
      {"CiscoVPN", "vpn"},      {"FortiClient", "vpn"},   {"PPTP", "vpn"},
      {"TINC", "vpn"},          {"HotspotShield", "vpn"}, {"DoH_DoT", "encrypted-dns"},
      {"DNScrypt", "encrypted-dns"}, {"AVASTSecureDNS", "encrypted-dns"}, {"Tor", "tor"},
      {"iCloudPrivateRelay", "icloud-private-relay"}};
  for (const auto& [name, serviceId] : expected) {
    const ServiceSignature* service = catalog.find(serviceId);
    ASSERT_NE(service, nullptr) << serviceId;
    bool listed = std::any_of(service->rules.begin(), service->rules.end(), [&](const auto& rule) {
      return std::find(rule.ndpiProtocols.begin(), rule.ndpiProtocols.end(), name) !=
             rule.ndpiProtocols.end();
    });
    EXPECT_TRUE(listed) << name << " is not mapped to " << serviceId;
  }
}

}  // namespace
}  // namespace baawatch::classify
