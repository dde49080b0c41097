#pragma once
// Configuration-time error (start and reload): thrown by loaders, caught once at the boundary.
// what() reads "file:line:column: field.path: why", the form editors and CI logs understand.
#include <stdexcept>
#include <string>

namespace baawatch {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown (e.g. file unreadable)
  int column = 0;  // 1-based; 0 when unknown
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(SourceLocation where, std::string field, std::string why);

  const SourceLocation& where() const { return where_; }
  const std::string& field() const { return field_; }
  const std::string& why() const { return why_; }

 private:
  SourceLocation where_;
  std::string field_;
  std::string why_;
};

}  // namespace baawatch
