#pragma once
// Configuration-time error (start and reload): thrown by loaders, caught once at the boundary.
// what() reads "file:line:column: field.path: why", the form editors and CI logs understand.
//
// A loader checks the independent parts of a file (keys, list entries, files of a folder) one
// after the other and keeps going after a part fails, so that one run of `--check-config` lists
// every error instead of one per edit: ConfigErrorCollector gathers them, ConfigErrorList throws
// them together.
#include <stdexcept>
#include <string>
#include <vector>

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

 protected:
  // For ConfigErrorList: the first error's parts with a what() of its own.
  ConfigError(const ConfigError& first, const std::string& what);

 private:
  SourceLocation where_;
  std::string field_;
  std::string why_;
};

// Several errors found in one pass, in the order found. It is a ConfigError (the first one's
// location, field and why), so code that catches ConfigError needs no change; what() holds every
// error, one line each.
class ConfigErrorList : public ConfigError {
 public:
  explicit ConfigErrorList(std::vector<ConfigError> errors);  // not empty

  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

// Gathers the errors of parts that do not depend on each other. Not thread-safe (one loader).
class ConfigErrorCollector {
 public:
  // Runs `part`; a ConfigError it throws (each error of a ConfigErrorList) is kept and false
  // returned. Other exceptions pass through.
  template <typename Part>
  bool attempt(Part&& part) {
    try {
      part();
      return true;
    } catch (const ConfigErrorList& list) {
      for (const ConfigError& error : list.errors()) errors_.push_back(error);
    } catch (const ConfigError& error) {
      errors_.push_back(error);
    }
    return false;
  }

  void add(ConfigError error) { errors_.push_back(std::move(error)); }
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  const std::vector<ConfigError>& errors() const { return errors_; }
  // Throws ConfigErrorList holding every error kept, if any.
  void throwIfAny() const;

 private:
  std::vector<ConfigError> errors_;
};

}  // namespace baawatch
