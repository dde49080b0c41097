#include "baawatch/record/record_text.hpp"

#include <array>
#include <string_view>

#include <nlohmann/json.hpp>

namespace baawatch::record {
namespace {

constexpr std::array<std::string_view, 3> kLeadingKeys{"timestamp", "event_type", "record_id"};

bool isLeading(std::string_view key) {
  for (auto leading : kLeadingKeys) {
    if (key == leading) return true;
  }
  return false;
}

std::string dumpValue(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string recordText(const nlohmann::json& record) {
  if (!record.is_object()) return dumpValue(record);
  std::string out = "{";
  auto put = [&out](std::string_view key, const nlohmann::json& value) {
    if (out.size() > 1) out += ',';
    out += dumpValue(nlohmann::json(key));
    out += ':';
    out += dumpValue(value);
  };
  for (auto key : kLeadingKeys) {
    if (auto found = record.find(key); found != record.end()) put(key, *found);
  }
  // nlohmann::json keeps object keys sorted, so the rest comes out in a stable order.
  for (auto item = record.begin(); item != record.end(); ++item) {
    if (!isLeading(item.key())) put(item.key(), item.value());
  }
  out += '}';
  return out;
}

}  // namespace baawatch::record
