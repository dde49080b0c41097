#pragma once
// Replacing a small file whole, for files other programs read while baawatch rewrites them (the
// metrics file, the status file): the text goes to `<path>.tmp`, which is then renamed over
// `path`, so a reader sees the previous file or the new one, never half of one. Not fsynced:
// such a file is rewritten again soon, and after a power cut the next write restores it.
#include <sys/types.h>

#include <string>
#include <string_view>

namespace baawatch::sink {

// Empty on success, else what failed, naming the file (the temporary file is removed). `mode`
// is set whatever the process's umask.
std::string replaceFile(const std::string& path, std::string_view text, mode_t mode);

}  // namespace baawatch::sink
