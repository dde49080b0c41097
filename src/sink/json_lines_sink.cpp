#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "baawatch/sink/record_sink.hpp"

namespace baawatch::sink {

Expected<std::unique_ptr<JsonLinesSink>, std::string> JsonLinesSink::open(const std::string& path) {
  if (path == "-") return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(stdout, false));
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return unexpected(path + ": " + std::strerror(errno));
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(file, true));
}

JsonLinesSink::~JsonLinesSink() {
  std::fflush(file_);
  if (owned_) std::fclose(file_);
}

void JsonLinesSink::write(const nlohmann::json& record) {
  // Invalid UTF-8 (host names from the wire) is replaced, never allowed to abort the dump.
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), file_);
  ++written_;
}

void JsonLinesSink::flush() { std::fflush(file_); }

}  // namespace baawatch::sink
