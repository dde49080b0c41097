#pragma once
// Names the calling thread (15 characters at most, the kernel's limit), so `top -H`, `ps -L` and
// profilers tell baawatch's capture, worker, decision and sink threads apart.
#include <pthread.h>

#include <string>

namespace baawatch {

inline void nameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace baawatch
