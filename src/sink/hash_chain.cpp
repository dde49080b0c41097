#include "baawatch/sink/hash_chain.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "baawatch/record/event_type.hpp"

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

bool readLines(const std::string& path, std::vector<Line>& lines) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return false;
  std::string text;
  while (std::getline(stream, text)) lines.push_back({text, !stream.eof()});
  return !stream.bad();
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
  parsed.canonical = canonicalRecordText(parsed.record) == text;
  json unsealed = parsed.record;
  unsealed["chain"].erase("hash");
  parsed.hashMatches = sha256Hex(parsed.prevHash + canonicalRecordText(unsealed)) == parsed.hash;
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

std::string canonicalRecordText(const nlohmann::json& record) {
  // nlohmann keeps object keys sorted, so the dump is canonical; invalid UTF-8 (host names from
  // the wire) is replaced, never allowed to abort the dump.
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

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

ChainVerdict verifyChainedLogs(const std::vector<std::string>& paths) {
  ChainVerdict verdict;
  // Every good hash so far and where it is: tells a copy from a removal, and a file's end cut short
  // from a file missing between two others.
  struct Place {
    std::string file;
    std::uint64_t line = 0;
  };
  std::unordered_map<std::string, Place> seen;
  std::string previousFileLastHash;
  std::string previousFile;
  for (const auto& path : paths) {
    std::vector<Line> lines;
    if (!readLines(path, lines)) return fail(verdict, path, 0, "unreadable", "cannot read the file");
    if (lines.empty())
      return fail(verdict, path, 1, "removed", "empty: every chained file starts with a chain_start record");
    std::string last;  // hash of the last good record of this file
    std::uint64_t lastLine = 0;
    bool haveRecord = false;  // a good record seen in this file
    for (std::size_t index = 0; index < lines.size(); ++index) {
      const std::uint64_t number = index + 1;
      const Line& line = lines[index];
      if (!line.terminated) {
        verdict.notes.push_back(where(path, number) + "partial last line (" +
                                std::to_string(line.text.size()) +
                                " bytes): a write cut short by a crash, not a record");
        break;
      }
      ParsedLine parsed = parseLine(line.text);
      // A line cut short by a crash and closed by the next start is named, with its hash, by the
      // record that follows it (sink_recovery, or chain_start when the fragment was the first).
      if (!parsed.chained && index + 1 < lines.size()) {
        ParsedLine next = parseLine(lines[index + 1].text);
        const json& record = next.record;
        if (next.chained && next.hashMatches && record.contains("partial_line") && record["partial_line"].is_object() &&
            record["partial_line"].value("sha256", "") == sha256Hex(line.text) &&
            record["partial_line"].value("bytes", std::uint64_t{0}) == line.text.size()) {
          verdict.notes.push_back(where(path, number) + "partial line (" +
                                  std::to_string(line.text.size()) +
                                  " bytes) left by a crash, recovered at the next start");
          continue;
        }
      }
      auto nextPrevHash = [&]() -> std::string {
        for (std::size_t after = index + 1; after < lines.size(); ++after) {
          ParsedLine next = parseLine(lines[after].text);
          if (next.chained) return next.prevHash;
        }
        return {};
      };
      if (!parsed.chained || !parsed.hashMatches || !parsed.canonical) {
        std::string following = nextPrevHash();
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
                "oldest first to check it)");
          }
        } else if (!continues) {
          return fail(verdict, path, number, "unlinked",
                      "does not continue " + previousFile +
                          " (it starts a new chain that names no predecessor: not the next file "
                          "of this series, or the files are not given oldest first)");
        } else if (anchor != previousFileLastHash) {
          auto place = seen.find(anchor);
          if (place != seen.end() && place->second.file == previousFile)
            return fail(verdict, path, number, "unlinked",
                        "does not continue " + previousFile + ": it follows line " +
                            std::to_string(place->second.line) + " of it, but " + previousFile +
                            " goes on after that line (records added to its end after the "
                            "rotation, or this file was started from a chain state a crash left "
                            "behind)");
          if (place != seen.end())
            return fail(verdict, path, number, "unlinked",
                        "does not continue " + previousFile + ": it continues " +
                            place->second.file + " (files not given oldest first)");
          return fail(verdict, path, number, "removed",
                      "does not continue " + previousFile + ": it continues " + namedFile +
                          " (last hash " + anchor +
                          "), which is not among the files given before it: a file is missing in "
                          "between, or " + previousFile + "'s last records were removed");
        }
      } else if (isStart) {
        return fail(verdict, path, number, "inserted", "record inserted (a chain_start inside a file)");
      } else if (parsed.prevHash != last) {
        if (seen.count(parsed.prevHash) != 0 || seen.count(parsed.hash) != 0)
          return fail(verdict, path, number, "inserted",
                      "record inserted (a copy or a moved record: it does not follow line " +
                          std::to_string(lastLine) + ")");
        return fail(verdict, path, number, "removed",
                    "record(s) removed or replaced before this line (it follows a record that is not in the file)");
      }
      last = parsed.hash;
      lastLine = number;
      haveRecord = true;
      seen.emplace(parsed.hash, Place{path, number});
      ++verdict.records;
    }
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
