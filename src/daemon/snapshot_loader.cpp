#include "baawatch/daemon/snapshot_loader.hpp"

#include <filesystem>

#include "baawatch/common/config_error.hpp"
#include "baawatch/daemon/settings_loader.hpp"

namespace baawatch::daemon {
namespace {

namespace fs = std::filesystem;

// Where signatures are looked for when neither the command line nor the config names a folder:
// beside an installed binary (share/baawatch/signatures), then the source tree a build-tree
// binary came from, then the system location.
std::string findSignatures(const std::string& executablePath) {
  std::vector<fs::path> candidates;
  if (!executablePath.empty()) {
    std::error_code error;
    fs::path exe = fs::weakly_canonical(fs::path(executablePath), error);
    fs::path folder = exe.parent_path();
    candidates.push_back(folder.parent_path() / "share" / "baawatch" / "signatures");
    candidates.push_back(folder.parent_path() / "signatures");
    candidates.push_back(folder / "signatures");
  }
#ifdef BAAWATCH_SOURCE_SIGNATURES
  candidates.emplace_back(BAAWATCH_SOURCE_SIGNATURES);
#endif
  candidates.emplace_back("/usr/share/baawatch/signatures");
  candidates.emplace_back("/usr/local/share/baawatch/signatures");
  for (const auto& candidate : candidates) {
    std::error_code error;
    if (fs::is_directory(candidate / "services", error)) return candidate.string();
  }
  return candidates.empty() ? std::string() : candidates.front().string();
}

}  // namespace

SnapshotResult loadSnapshot(const SnapshotRequest& request) {
  SnapshotResult result;
  engine::Settings settings;
  try {
    if (!request.configFile.empty()) settings = loadSettings(request.configFile);
  } catch (const ConfigError& error) {
    result.errors.push_back(error.what());
  }
  if (!request.signaturesFolder.empty()) settings.signaturesFolder = request.signaturesFolder;
  if (!request.policyFile.empty()) settings.policyFile = request.policyFile;
  if (settings.signaturesFolder.empty()) {
    settings.signaturesFolder = findSignatures(request.executablePath);
  }
  result.signaturesFolder = settings.signaturesFolder;

  std::shared_ptr<const classify::SignatureCatalog> catalog;
  try {
    catalog = std::make_shared<const classify::SignatureCatalog>(
        classify::loadSignatureCatalog(settings.signaturesFolder));
  } catch (const ConfigError& error) {
    result.errors.push_back(error.what());
  }

  std::shared_ptr<const policy::Policy> policyPtr;
  if (catalog) {
    try {
      policyPtr = std::make_shared<const policy::Policy>(
          settings.policyFile.empty() ? policy::defaultPolicy()
                                      : policy::loadPolicy(settings.policyFile, *catalog));
    } catch (const ConfigError& error) {
      result.errors.push_back(error.what());
    }
  }
  if (result.errors.empty()) {
    result.snapshot = engine::Snapshot{std::move(catalog), std::move(policyPtr), std::move(settings)};
  }
  return result;
}

}  // namespace baawatch::daemon
