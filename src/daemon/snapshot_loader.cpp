#include "baawatch/daemon/snapshot_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>

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

// Settings, signatures and policy are each checked whole, and each even when one before failed,
// so the result lists every error at once. The policy is checked against the services that
// loaded; ids whose signature file failed are taken unchecked (that file's error is listed).
SnapshotResult loadSnapshot(const SnapshotRequest& request) {
  SnapshotResult result;
  ConfigErrorCollector errors;
  engine::Settings settings;
  if (!request.configFile.empty()) settings = loadSettings(request.configFile, errors);
  if (!request.signaturesFolder.empty()) settings.signaturesFolder = request.signaturesFolder;
  if (!request.policyFile.empty()) settings.policyFile = request.policyFile;
  if (settings.signaturesFolder.empty()) {
    settings.signaturesFolder = findSignatures(request.executablePath);
  }
  result.signaturesFolder = settings.signaturesFolder;

  classify::PartialSignatureCatalog signatures =
      classify::loadSignatureCatalog(settings.signaturesFolder, errors);
  policy::PolicyLoadOptions policyOptions;
  policyOptions.uncheckedServices = signatures.failedServices;
  policyOptions.checkServices = signatures.folderRead;
  policy::Policy policy = settings.policyFile.empty()
                              ? policy::defaultPolicy()
                              : policy::loadPolicy(settings.policyFile, signatures.catalog,
                                                   errors, policyOptions);

  // Listed file by file in the order the files were read, and within a file from top to bottom,
  // the order in which an editor walks through them (loaders find them key by key).
  std::vector<ConfigError> found = errors.errors();
  std::vector<std::string> fileOrder;
  for (const ConfigError& error : found) {
    if (std::find(fileOrder.begin(), fileOrder.end(), error.where().file) == fileOrder.end())
      fileOrder.push_back(error.where().file);
  }
  auto place = [&fileOrder](const ConfigError& error) {
    auto file = std::find(fileOrder.begin(), fileOrder.end(), error.where().file);
    return std::tuple(file - fileOrder.begin(), error.where().line, error.where().column);
  };
  std::stable_sort(found.begin(), found.end(), [&place](const ConfigError& a, const ConfigError& b) {
    return place(a) < place(b);
  });
  for (const ConfigError& error : found) result.errors.emplace_back(error.what());
  if (result.errors.empty()) {
    result.snapshot = engine::Snapshot{
        std::make_shared<const classify::SignatureCatalog>(std::move(signatures.catalog)),
        std::make_shared<const policy::Policy>(std::move(policy)), std::move(settings)};
  }
  return result;
}

}  // namespace baawatch::daemon
