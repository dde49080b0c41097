#pragma once
// Where records go. A record is one JSON object; a JSON-lines sink writes it as one line.
// Thread: a sink is used by one thread at a time (the writer thread, or the packet thread when
// no writer thread is configured).
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/common/expected.hpp"

namespace baawatch::sink {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void write(const nlohmann::json& record) = 0;
  virtual void flush() = 0;
};

// JSON lines to a file (appended) or to stdout ("-"). Each record is written with one fwrite of
// the whole line, so a crash leaves at most one partial last line.
class JsonLinesSink : public RecordSink {
 public:
  static Expected<std::unique_ptr<JsonLinesSink>, std::string> open(const std::string& path);
  ~JsonLinesSink() override;
  void write(const nlohmann::json& record) override;
  void flush() override;
  std::uint64_t written() const { return written_; }

 private:
  JsonLinesSink(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::FILE* file_;
  bool owned_;
  std::uint64_t written_ = 0;
};

}  // namespace baawatch::sink
