#include "baawatch/common/yaml_support.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace baawatch::yaml {
namespace {

std::string childPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

// yaml-cpp marks are 0-based and -1 when unknown (nodes built in memory).
SourceLocation locationOf(const YAML::Mark& mark, const std::string& file) {
  if (mark.line < 0) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

std::string_view kindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// A plain decimal number; yaml-cpp's own conversions accept things like "0x10" and " 5" that a
// clinic's config should not silently depend on.
std::optional<double> parseNumber(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return {};
  if (!std::isfinite(value)) return {};
  return value;
}

}  // namespace

SourceLocation Node::location() const { return locationOf(node_.Mark(), file_); }

void Node::fail(std::string why) const { throw ConfigError(location(), path_, std::move(why)); }

bool Node::has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  for (const auto& entry : node_) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return true;
  }
  return false;
}

Node Node::child(std::string_view key) const {
  requireMap();
  for (const auto& entry : node_) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      return Node(entry.second, file_, childPath(path_, key));
    }
  }
  fail(fmt::format("missing required field '{}'", key));
}

Node Node::at(std::size_t index) const {
  requireSequence();
  if (index >= node_.size()) fail(fmt::format("no element {}", index));
  return Node(node_[index], file_, fmt::format("{}[{}]", path_, index));
}

std::size_t Node::size() const {
  if (node_.IsMap() || node_.IsSequence()) return node_.size();
  return 0;
}

void Node::allowOnlyKeys(std::initializer_list<std::string_view> allowed) const {
  requireMap();
  // Every bad key is named, not only the first: they are independent edits.
  ConfigErrorCollector errors;
  std::set<std::string> seen;
  for (const auto& entry : node_) {
    errors.attempt([&] {
      Node key(entry.first, file_, path_);
      if (!entry.first.IsScalar()) key.fail("map keys must be plain names");
      const std::string& name = entry.first.Scalar();
      Node named(entry.first, file_, childPath(path_, name));
      bool known = false;
      for (std::string_view candidate : allowed) known = known || candidate == name;
      if (!known) {
        std::string list;
        for (std::string_view candidate : allowed) {
          list += list.empty() ? "" : ", ";
          list += candidate;
        }
        named.fail(fmt::format("unknown key '{}' (expected one of: {})", name, list));
      }
      // yaml-cpp keeps the first of two equal keys; a second one is almost always an edit gone
      // wrong whose value would be ignored without a word.
      if (!seen.insert(name).second) named.fail(fmt::format("duplicate key '{}'", name));
    });
  }
  errors.throwIfAny();
}

void Node::requireMap() const {
  if (!node_.IsMap()) fail(fmt::format("expected a map, found {}", kindName(node_)));
}

void Node::requireSequence() const {
  if (!node_.IsSequence()) fail(fmt::format("expected a list, found {}", kindName(node_)));
}

std::string Node::asString() const {
  if (!node_.IsScalar()) fail(fmt::format("expected a text value, found {}", kindName(node_)));
  return node_.Scalar();
}

bool Node::asBool() const {
  if (node_.IsScalar()) {
    const std::string& text = node_.Scalar();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  fail(node_.IsScalar() ? fmt::format("'{}' is not true or false", node_.Scalar())
                        : fmt::format("expected true or false, found {}", kindName(node_)));
}

long long Node::asInteger(long long min, long long max) const {
  if (!node_.IsScalar()) fail(fmt::format("expected a whole number, found {}", kindName(node_)));
  const std::string& text = node_.Scalar();
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    fail(fmt::format("{} is outside {}-{}", text, min, max));
  }
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) {
    fail(fmt::format("'{}' is not a whole number", text));
  }
  if (value < min || value > max) fail(fmt::format("{} is outside {}-{}", value, min, max));
  return value;
}

double Node::asNumber(double min, double max) const {
  if (!node_.IsScalar()) fail(fmt::format("expected a number, found {}", kindName(node_)));
  auto value = parseNumber(node_.Scalar());
  if (!value) fail(fmt::format("'{}' is not a number", node_.Scalar()));
  if (*value < min || *value > max)
    fail(fmt::format("{} is outside {}-{}", node_.Scalar(), min, max));
  return *value;
}

IpRange Node::asIpRange() const {
  std::string text = asString();
  auto range = IpRange::parse(text);
  if (!range) fail(fmt::format("'{}' is not a CIDR range", text));
  return *range;
}

double Node::asDurationSeconds() const {
  if (!node_.IsScalar()) fail(fmt::format("expected a duration, found {}", kindName(node_)));
  std::string_view text = node_.Scalar();
  double unit = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        unit = 0;
        break;
    }
    if (unit != 0) {
      digits = text.substr(0, text.size() - 1);
    } else {
      unit = 1;
    }
  }
  auto value = parseNumber(digits);
  if (!value || *value < 0) {
    fail(fmt::format("'{}' is not a duration (use e.g. 30s, 5m, 1h, 1d or seconds)", text));
  }
  return *value * unit;
}

std::string Node::stringOr(std::string_view key, std::string fallback) const {
  if (!has(key)) return fallback;
  return child(key).asString();
}

bool Node::boolOr(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  return child(key).asBool();
}

Node loadFile(const std::string& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw ConfigError(SourceLocation{file, 0, 0}, "", "cannot read the file");
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) throw ConfigError(SourceLocation{file, 0, 0}, "", "cannot read the file");
  return loadString(text.str(), file);
}

Node loadString(const std::string& text, const std::string& file) {
  try {
    YAML::Node root = YAML::Load(text);
    return Node(root, file, "");
  } catch (const YAML::Exception& error) {
    throw ConfigError(locationOf(error.mark, file), "", error.msg);
  }
}

}  // namespace baawatch::yaml
