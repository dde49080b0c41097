#pragma once
// Helpers shared by every YAML loader (config, policy, signatures): locations from yaml-cpp
// marks, strict key checking, typed reads that throw ConfigError naming file:line:column and
// the field path.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "baawatch/common/config_error.hpp"
#include "baawatch/common/ip_address.hpp"

namespace baawatch::yaml {

// A node together with the file it came from and its field path ("networks.clinical[2]").
class Node {
 public:
  Node(YAML::Node node, std::string file, std::string path)
      : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

  const YAML::Node& raw() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  SourceLocation location() const;
  [[noreturn]] void fail(std::string why) const;

  bool has(std::string_view key) const;
  Node child(std::string_view key) const;            // throws when missing
  Node at(std::size_t index) const;                  // sequence element
  std::size_t size() const;
  bool isMap() const { return node_.IsMap(); }
  bool isSequence() const { return node_.IsSequence(); }
  bool isScalar() const { return node_.IsScalar(); }

  // Throws naming every key not in `allowed` and every duplicate key (ConfigErrorList).
  void allowOnlyKeys(std::initializer_list<std::string_view> allowed) const;
  void requireMap() const;
  void requireSequence() const;

  std::string asString() const;
  bool asBool() const;
  long long asInteger(long long min, long long max) const;
  double asNumber(double min, double max) const;
  IpRange asIpRange() const;
  // "30s", "5m", "2h", "1d" or a plain number of seconds.
  double asDurationSeconds() const;

  std::string stringOr(std::string_view key, std::string fallback) const;
  bool boolOr(std::string_view key, bool fallback) const;

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
};

// Reads and parses a YAML file; throws ConfigError for unreadable files and syntax errors.
Node loadFile(const std::string& file);
// Parses YAML text as if read from `file` (tests and fuzzers).
Node loadString(const std::string& text, const std::string& file);

}  // namespace baawatch::yaml
