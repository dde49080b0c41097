#pragma once
// Giving up root once the capture handle is open (config `user:`). Config-time errors: returns a
// one-line message, nothing is thrown.
#include <string>

#include "baawatch/common/expected.hpp"

namespace baawatch::daemon {

struct PrivilegeOptions {
  std::string user;
  // Keep CAP_NET_RAW and CAP_NET_ADMIN so the capture can be reopened when the interface comes
  // back; everything else (file access as root, setuid, ...) is gone.
  bool keepCaptureCapabilities = true;
};

// Switches to the user's uid, gid and supplementary groups and verifies root cannot be regained.
Expected<void, std::string> dropPrivileges(const PrivilegeOptions& options);

}  // namespace baawatch::daemon
