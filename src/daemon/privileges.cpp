#include "daemon/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace baawatch::daemon {
namespace {

std::string failure(const std::string& what) { return what + ": " + std::strerror(errno); }

// capset(2) directly: libcap is one more package for two bit masks.
bool keepOnly(std::uint32_t capabilities) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  data[0].effective = capabilities;
  data[0].permitted = capabilities;
  return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

Expected<void, std::string> dropPrivileges(const PrivilegeOptions& options) {
  if (options.user.empty()) return {};
  errno = 0;
  passwd* entry = ::getpwnam(options.user.c_str());
  if (entry == nullptr) {
    return unexpected("user '" + options.user + "': " +
                      (errno == 0 ? std::string("no such user") : std::strerror(errno)));
  }
  uid_t uid = entry->pw_uid;
  gid_t gid = entry->pw_gid;
  if (::geteuid() == uid) return {};  // already that user (e.g. systemd User=)
  if (::geteuid() != 0) {
    return unexpected("user '" + options.user + "': cannot switch users without root");
  }
  if (::initgroups(options.user.c_str(), gid) != 0) return unexpected(failure("initgroups"));
  if (options.keepCaptureCapabilities && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return unexpected(failure("prctl(PR_SET_KEEPCAPS)"));
  }
  // glibc applies setgid/setuid to every thread of the process (the sink thread already runs).
  if (::setgid(gid) != 0) return unexpected(failure("setgid"));
  if (::setuid(uid) != 0) return unexpected(failure("setuid"));
  if (options.keepCaptureCapabilities) {
    std::uint32_t capture = (1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN);
    if (!keepOnly(capture)) return unexpected(failure("capset"));
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }
  if (::setuid(0) == 0) return unexpected(std::string("root could be regained after the switch"));
  return {};
}

}  // namespace baawatch::daemon
