#include "baawatch/sink/hash_chain.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <optional>
#include <tuple>
#include <unordered_set>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "baawatch/record/event_type.hpp"
#include "baawatch/record/record_text.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

bool isHashText(const json& value) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

struct Line {
  std::string text;
  bool terminated = true;  // false for a last line with no '\n' (a write cut short)
};

// A file read one line at a time, with one line of look-ahead: verification holds two lines of
// a log, never the log.
class LineStream {
 public:
  explicit LineStream(const std::string& path) : stream_(path, std::ios::binary) {}
  bool opened() const { return static_cast<bool>(stream_); }
  bool failed() const { return stream_.bad(); }

  bool next(Line& line) {
    if (ahead_) {
      line = std::move(*ahead_);
      ahead_.reset();
      return true;
    }
    return read(line);
  }
  const Line* peek() {
    if (!ahead_) {
      Line line;
      if (!read(line)) return nullptr;
      ahead_ = std::move(line);
    }
    return &*ahead_;
  }

 private:
  bool read(Line& line) {
    if (!std::getline(stream_, line.text)) return false;
    line.terminated = !stream_.eof();
    return true;
  }
  std::ifstream stream_;
  std::optional<Line> ahead_;
};

// The last few good hashes, to tell a copied or moved record from a removal without keeping every
// hash of a log that may hold millions.
class RecentHashes {
 public:
  void add(const std::string& hash) {
    if (order_.size() == kKept) {
      known_.erase(order_.front());
      order_.pop_front();
    }
    if (known_.insert(hash).second) order_.push_back(hash);
  }
  bool contains(const std::string& hash) const { return known_.count(hash) != 0; }

 private:
  static constexpr std::size_t kKept = 4096;
  std::deque<std::string> order_;
  std::unordered_set<std::string> known_;
};

// The form lines had before the leading keys: every key sorted (nlohmann keeps them so).
std::string sortedRecordText(const json& record) {
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

// What one line says about the chain, parsed once.
struct ParsedLine {
  bool isJson = false;
  bool chained = false;      // has chain.prev_hash and chain.hash in hash form
  bool canonical = false;    // re-serialises to exactly its bytes
  bool hashMatches = false;  // chain.hash is the hash of its content and prev_hash
  std::string prevHash;
  std::string hash;
  json record;
};

ParsedLine parseLine(const std::string& text) {
  ParsedLine parsed;
  parsed.record = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.record.is_discarded() || !parsed.record.is_object()) return parsed;
  parsed.isJson = true;
  auto chain = parsed.record.find("chain");
  if (chain == parsed.record.end() || !chain->is_object() || chain->size() != 2) return parsed;
  auto prev = chain->find("prev_hash");
  auto hash = chain->find("hash");
  if (prev == chain->end() || hash == chain->end() || !isHashText(*prev) || !isHashText(*hash))
    return parsed;
  parsed.chained = true;
  parsed.prevHash = prev->get<std::string>();
  parsed.hash = hash->get<std::string>();
  // Byte-exact: a change that keeps the meaning (spaces, key order, escapes) is still a change.
  // Files written before timestamp, event_type and record_id led the line have every key
  // sorted; such a line is checked in that form, so older logs still verify.
  const bool current = canonicalRecordText(parsed.record) == text;
  const bool sortedForm = !current && sortedRecordText(parsed.record) == text;
  parsed.canonical = current || sortedForm;
  json unsealed = parsed.record;
  unsealed["chain"].erase("hash");
  const std::string content = sortedForm ? sortedRecordText(unsealed) : canonicalRecordText(unsealed);
  parsed.hashMatches = sha256Hex(parsed.prevHash + content) == parsed.hash;
  return parsed;
}

std::string where(const std::string& file, std::uint64_t line) {
  return file + ":" + std::to_string(line) + ": ";
}

ChainVerdict fail(ChainVerdict verdict, const std::string& file, std::uint64_t line,
                  std::string problem, const std::string& why) {
  verdict.intact = false;
  verdict.file = file;
  verdict.line = line;
  verdict.problem = std::move(problem);
  verdict.message = where(file, line) + why;
  return verdict;
}

}  // namespace

std::string sha256Hex(std::string_view bytes) {
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP with SHA-256 fails only when OpenSSL cannot allocate; an empty answer then never
  // matches a stored hash, so verification reports the record rather than passing it.
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

std::string canonicalRecordText(const nlohmann::json& record) { return record::recordText(record); }

std::string chainAnchor(std::string_view fileName, std::string_view created) {
  std::string input(fileName);
  input.push_back('\n');
  input.append(created);
  return sha256Hex(input);
}

nlohmann::json chainStartRecord(std::string_view fileName, std::string_view created,
                                const std::optional<ChainPredecessor>& predecessor) {
  json record = {{"event_type", record::toString(record::EventType::kChainStart)},
                 {"schema_version", 1},
                 {"timestamp", std::string(created)},
                 {"file", std::string(fileName)},
                 {"created", std::string(created)},
                 {"hash_algorithm", "sha256"}};
  if (predecessor) {
    record["predecessor"] = {{"file", predecessor->file}, {"last_hash", predecessor->lastHash}};
  } else {
    record["predecessor"] = nullptr;
  }
  return record;
}

std::string sealRecord(nlohmann::json& record, const std::string& previousHash) {
  record["chain"] = {{"prev_hash", previousHash}};
  std::string hash = sha256Hex(previousHash + canonicalRecordText(record));
  record["chain"]["hash"] = hash;
  return canonicalRecordText(record);
}

namespace {

// What a file's first record says about where it belongs in a series.
struct FileLinks {
  std::string path;
  std::size_t given = 0;      // position in the order given
  bool chained = false;       // begins with a chain_start record
  std::string created;        // its RFC 3339 creation time (sorts as text)
  std::string predecessorHash;
  std::string predecessorFile;
  std::string lastHash;       // the last chained record's hash, read from the file's end
};

std::string baseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The chain_start among the first two lines (the first may be a crash fragment).
void readStart(FileLinks& links) {
  LineStream lines(links.path);
  Line line;
  for (int index = 0; index < 2 && lines.next(line); ++index) {
    json record = json::parse(line.text, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || record.value("event_type", json()) != "chain_start") continue;
    links.chained = true;
    links.created = record.value("created", json()).is_string() ? record["created"].get<std::string>() : "";
    const json& predecessor = record.value("predecessor", json());
    if (predecessor.is_object()) {
      if (isHashText(predecessor.value("last_hash", json())))
        links.predecessorHash = predecessor["last_hash"].get<std::string>();
      if (predecessor.value("file", json()).is_string())
        links.predecessorFile = predecessor["file"].get<std::string>();
    }
    return;
  }
}

// The hash of the last chained, newline-terminated line within the file's last MiB.
void readLastHash(FileLinks& links) {
  constexpr std::streamoff kWindow = 1 << 20;
  std::ifstream stream(links.path, std::ios::binary | std::ios::ate);
  if (!stream) return;
  const std::streamoff size = stream.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - kWindow);
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  stream.seekg(from);
  if (!stream.read(tail.data(), static_cast<std::streamsize>(tail.size()))) return;
  std::size_t end = tail.rfind('\n');  // a last line without one is a fragment, never a record
  while (end != std::string::npos && end > 0) {
    std::size_t begin = tail.rfind('\n', end - 1);
    const bool whole = begin != std::string::npos || from == 0;
    begin = begin == std::string::npos ? 0 : begin + 1;
    if (!whole) return;
    json record = json::parse(tail.substr(begin, end - begin), nullptr, false);
    if (record.is_object()) {
      const json& chain = record.value("chain", json());
      if (chain.is_object() && isHashText(chain.value("hash", json()))) {
        links.lastHash = chain["hash"].get<std::string>();
        return;
      }
    }
    if (begin == 0) return;
    end = begin - 1;
  }
}

}  // namespace

ChainOrder chainOrder(const std::vector<std::string>& paths) {
  std::vector<FileLinks> files(paths.size());
  std::unordered_map<std::string, std::size_t> byLastHash;
  for (std::size_t index = 0; index < paths.size(); ++index) {
    files[index].path = paths[index];
    files[index].given = index;
    readStart(files[index]);
    readLastHash(files[index]);
    if (!files[index].lastHash.empty()) byLastHash.emplace(files[index].lastHash, index);
  }
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> before(files.size(), kNone);
  for (auto& file : files) {
    if (!file.chained) continue;
    if (auto found = byLastHash.find(file.predecessorHash);
        !file.predecessorHash.empty() && found != byLastHash.end() && found->second != file.given) {
      before[file.given] = found->second;
      continue;
    }
    if (file.predecessorFile.empty()) continue;
    for (const auto& other : files) {
      if (other.given != file.given && other.chained &&
          (other.path == file.predecessorFile || baseName(other.path) == baseName(file.predecessorFile))) {
        before[file.given] = other.given;
        break;
      }
    }
  }
  auto older = [&](std::size_t a, std::size_t b) {
    return std::tie(files[a].created, a) < std::tie(files[b].created, b);
  };
  std::vector<std::vector<std::size_t>> after(files.size());
  std::vector<std::size_t> unchained;
  std::vector<std::size_t> heads;
  for (std::size_t index = 0; index < files.size(); ++index) {
    if (!files[index].chained) {
      unchained.push_back(index);
    } else if (before[index] == kNone) {
      heads.push_back(index);
    } else {
      after[before[index]].push_back(index);
    }
  }
  std::sort(heads.begin(), heads.end(), older);
  for (auto& list : after) std::sort(list.begin(), list.end(), older);

  ChainOrder order;
  std::vector<bool> placed(files.size(), false);
  auto place = [&](std::size_t index) {
    placed[index] = true;
    order.paths.push_back(files[index].path);
  };
  for (std::size_t index : unchained) place(index);
  for (std::size_t head : heads) {
    std::vector<std::size_t> pending{head};  // depth first: a series before the next head
    while (!pending.empty()) {
      std::size_t index = pending.back();
      pending.pop_back();
      if (placed[index]) continue;
      place(index);
      for (auto it = after[index].rbegin(); it != after[index].rend(); ++it) pending.push_back(*it);
    }
  }
  // Files only reachable through a loop of names (edited predecessors): as given.
  for (std::size_t index = 0; index < files.size(); ++index)
    if (!placed[index]) place(index);
  order.reordered = order.paths != paths;
  return order;
}

ChainVerdict verifyChainedLogs(const std::vector<std::string>& paths) {
  ChainVerdict verdict;
  struct Place {
    std::string file;
    std::uint64_t line = 0;
  };
  // Where the hashes that files name as their predecessor's last are found: tells records added
  // to a file's end from a file missing between two others, with one entry per file.
  std::unordered_map<std::string, std::optional<Place>> named;
  for (const auto& path : paths) {
    FileLinks links;
    links.path = path;
    readStart(links);
    if (!links.predecessorHash.empty()) named.emplace(links.predecessorHash, std::nullopt);
  }
  RecentHashes recent;
  std::string previousFileLastHash;
  std::string previousFile;
  for (const auto& path : paths) {
    LineStream lines(path);
    if (!lines.opened()) return fail(verdict, path, 0, "unreadable", "cannot read the file");
    Line line;
    if (!lines.next(line))
      return fail(verdict, path, 1, "removed", "empty: every chained file starts with a chain_start record");
    std::string last;  // hash of the last good record of this file
    std::uint64_t lastLine = 0;
    bool haveRecord = false;  // a good record seen in this file
    std::uint64_t number = 0;
    do {
      ++number;
      if (!line.terminated) {
        verdict.notes.push_back(where(path, number) + "partial last line (" +
                                std::to_string(line.text.size()) +
                                " bytes): a write cut short by a crash, not a record");
        break;
      }
      ParsedLine parsed = parseLine(line.text);
      // A line cut short by a crash and closed by the next start is named, with its hash, by the
      // record that follows it (sink_recovery, or chain_start when the fragment was the first).
      if (!parsed.chained) {
        if (const Line* following = lines.peek()) {
          ParsedLine next = parseLine(following->text);
          const json& record = next.record;
          if (next.chained && next.hashMatches && record.contains("partial_line") &&
              record["partial_line"].is_object() &&
              record["partial_line"].value("sha256", "") == sha256Hex(line.text) &&
              record["partial_line"].value("bytes", std::uint64_t{0}) == line.text.size()) {
            verdict.notes.push_back(where(path, number) + "partial line (" +
                                    std::to_string(line.text.size()) +
                                    " bytes) left by a crash, recovered at the next start");
            continue;
          }
          if (number == 1 && !parsed.isJson && !next.isJson)
            return fail(verdict, path, number, "not_a_log",
                        "not a baawatch JSON-lines log (its first lines are not JSON records)");
        } else if (number == 1 && !parsed.isJson) {
          return fail(verdict, path, number, "not_a_log",
                      "not a baawatch JSON-lines log (it is not a JSON record)");
        }
      }
      if (!parsed.chained || !parsed.hashMatches || !parsed.canonical) {
        // The rest of the file is read only to name the problem; nothing after it is kept.
        std::string following;
        for (Line after; following.empty() && lines.next(after);) {
          ParsedLine next = parseLine(after.text);
          if (next.chained) following = next.prevHash;
        }
        if (!following.empty() && following == last && haveRecord)
          return fail(verdict, path, number, "inserted",
                      "record inserted (the next record follows line " + std::to_string(lastLine) + ")");
        if (following.empty() && !parsed.chained && haveRecord)
          return fail(verdict, path, number, "inserted",
                      "record inserted (appended after the last chained record)");
        if (!parsed.chained)
          return fail(verdict, path, number, "altered",
                      parsed.isJson ? "record altered (its chain fields are missing or damaged)"
                                    : "record altered (not a JSON record)");
        return fail(verdict, path, number, "altered",
                    parsed.hashMatches ? "record altered (not in the exact form baawatch writes)"
                                       : "record altered (its content no longer matches its hash)");
      }
      const bool isStart = parsed.record.value("event_type", "") == record::toString(record::EventType::kChainStart);
      if (!haveRecord) {
        if (!isStart)
          return fail(verdict, path, number, "removed",
                      "records removed from the start (the file's chain_start record is missing)");
        const json& predecessor = parsed.record["predecessor"];
        const bool continues = predecessor.is_object() &&
                               isHashText(predecessor.value("last_hash", json()));
        const std::string anchor =
            continues ? predecessor["last_hash"].get<std::string>()
                      : chainAnchor(parsed.record.value("file", ""), parsed.record.value("created", ""));
        // The record first (is it what baawatch wrote?), then its link to the file before it.
        if (parsed.prevHash != anchor)
          return fail(verdict, path, number, "altered",
                      "chain_start altered (its prev_hash is not the anchor its fields give)");
        const std::string namedFile =
            continues && predecessor.contains("file") && predecessor["file"].is_string()
                ? predecessor["file"].get<std::string>()
                : std::string("(unnamed)");
        if (previousFile.empty()) {
          if (continues) {
            verdict.anchorChecked = false;
            verdict.notes.push_back(
                where(path, number) + "continues " + namedFile + " (last hash " + anchor +
                "), which was not given: the link to it is not checked (give the rotated files "
                "too to check it)");
          }
        } else if (!continues) {
          return fail(verdict, path, number, "unlinked",
                      "does not continue " + previousFile +
                          " (it starts a new chain that names no predecessor: not the next file "
                          "of this series, or the chain was restarted without its state file)");
        } else if (anchor != previousFileLastHash) {
          auto found = named.find(anchor);
          const std::optional<Place> place =
              found == named.end() ? std::nullopt : found->second;
          if (place && place->file == previousFile)
            return fail(verdict, path, number, "unlinked",
                        "does not continue " + previousFile + ": it follows line " +
                            std::to_string(place->line) + " of it, but " + previousFile +
                            " goes on after that line (records added to its end after the "
                            "rotation, or this file was started from a chain state a crash left "
                            "behind)");
          if (place)
            return fail(verdict, path, number, "unlinked",
                        "does not continue " + previousFile + ": it continues " + place->file +
                            " (files not in chain order)");
          return fail(verdict, path, number, "removed",
                      "does not continue " + previousFile + ": it continues " + namedFile +
                          " (last hash " + anchor +
                          "), which is not among the files given before it: a file is missing in "
                          "between, or " + previousFile + "'s last records were removed");
        }
      } else if (isStart) {
        return fail(verdict, path, number, "inserted", "record inserted (a chain_start inside a file)");
      } else if (parsed.prevHash != last) {
        if (recent.contains(parsed.prevHash) || recent.contains(parsed.hash))
          return fail(verdict, path, number, "inserted",
                      "record inserted (a copy or a moved record: it does not follow line " +
                          std::to_string(lastLine) + ")");
        return fail(verdict, path, number, "removed",
                    "record(s) removed or replaced before this line (it follows a record that is not in the file)");
      }
      last = parsed.hash;
      lastLine = number;
      haveRecord = true;
      recent.add(parsed.hash);
      if (auto found = named.find(parsed.hash); found != named.end() && !found->second)
        found->second = Place{path, number};
      ++verdict.records;
    } while (lines.next(line));
    if (lines.failed()) return fail(verdict, path, number, "unreadable", "read error");
    previousFileLastHash = last;
    previousFile = path;
    verdict.lastHash = last;
  }
  verdict.intact = true;
  verdict.message = "intact: " + std::to_string(verdict.records) + " records in " +
                    std::to_string(paths.size()) + (paths.size() == 1 ? " file" : " files") +
                    ", last hash " + verdict.lastHash;
  return verdict;
}

}  // namespace baawatch::sink
