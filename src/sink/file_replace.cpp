#include "baawatch/sink/file_replace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "baawatch/sink/disk_spool.hpp"

namespace baawatch::sink {

std::string replaceFile(const std::string& path, std::string_view text, mode_t mode) {
  std::string temporary = path + ".tmp";
  UniqueFd fd(
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid()) return temporary + ": " + std::strerror(errno);
  ::fchmod(fd.get(), mode);
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t put = ::write(fd.get(), rest.data(), rest.size());
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      std::string why = temporary + ": " + std::strerror(put < 0 ? errno : ENOSPC);
      ::unlink(temporary.c_str());
      return why;
    }
    rest.remove_prefix(static_cast<std::size_t>(put));
  }
  fd.reset();
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string why = path + ": rename: " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return why;
  }
  return {};
}

}  // namespace baawatch::sink
