#pragma once
// One validated set of signatures, policy and settings: what the pipeline runs on, replaced
// as a whole on SIGHUP (docs/gateway.md).
#include <memory>

#include "baawatch/classify/signature.hpp"
#include "baawatch/engine/settings.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::engine {

struct Snapshot {
  std::shared_ptr<const classify::SignatureCatalog> catalog;
  std::shared_ptr<const policy::Policy> policy;
  Settings settings;
};

}  // namespace baawatch::engine
