#include "baawatch/common/config_error.hpp"

#include <fmt/format.h>

namespace baawatch {
namespace {

std::string describe(const SourceLocation& where, const std::string& field,
                     const std::string& why) {
  std::string text = where.file;
  if (where.line > 0) text += fmt::format(":{}:{}", where.line, where.column);
  text += ": ";
  if (!field.empty()) text += field + ": ";
  text += why;
  return text;
}

std::string joined(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) {
    if (!text.empty()) text += '\n';
    text += error.what();
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(SourceLocation where, std::string field, std::string why)
    : std::runtime_error(describe(where, field, why)),
      where_(std::move(where)),
      field_(std::move(field)),
      why_(std::move(why)) {}

ConfigError::ConfigError(const ConfigError& first, const std::string& what)
    : std::runtime_error(what), where_(first.where_), field_(first.field_), why_(first.why_) {}

ConfigErrorList::ConfigErrorList(std::vector<ConfigError> errors)
    : ConfigError(errors.at(0), joined(errors)), errors_(std::move(errors)) {}

void ConfigErrorCollector::throwIfAny() const {
  if (!errors_.empty()) throw ConfigErrorList(errors_);
}

}  // namespace baawatch
