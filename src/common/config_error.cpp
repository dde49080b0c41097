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

}  // namespace

ConfigError::ConfigError(SourceLocation where, std::string field, std::string why)
    : std::runtime_error(describe(where, field, why)),
      where_(std::move(where)),
      field_(std::move(field)),
      why_(std::move(why)) {}

}  // namespace baawatch
