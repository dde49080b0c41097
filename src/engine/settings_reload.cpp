// What a reload does about changed settings, walked from the structs' describeFields()
// (settings.hpp): adding a setting means naming it there, nowhere else.
#include <algorithm>
#include <type_traits>

#include "baawatch/engine/settings.hpp"

namespace baawatch::engine {
namespace {

template <class T>
concept DescribesFields = requires { T::describeFields([](auto&&...) {}); };

std::string joinKey(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

void noteRestart(ReloadEffect& effect, std::string key) {
  // Several fields share one key (flows.timeouts): named once.
  if (std::find(effect.needRestart.begin(), effect.needRestart.end(), key) ==
      effect.needRestart.end()) {
    effect.needRestart.push_back(std::move(key));
  }
}

template <DescribesFields T>
void compareFields(const T& before, const T& after, std::string_view prefix,
                   ReloadEffect& effect) {
  // Every named field is made equal in these copies: if they still differ, a field nobody named
  // changed, and restarting is the safe answer.
  T unnamedBefore = before;
  T unnamedAfter = after;
  T::describeFields([&](std::string_view key, auto member, OnReload onReload) {
    using Field = std::remove_cvref_t<decltype(before.*member)>;
    unnamedAfter.*member = unnamedBefore.*member;
    if (onReload == OnReload::kIgnore) return;
    std::string path = joinKey(prefix, key);
    if constexpr (DescribesFields<Field>) {
      compareFields(before.*member, after.*member, path, effect);
    } else {
      if (before.*member == after.*member) return;
      if (onReload == OnReload::kRestart) noteRestart(effect, path);
      if (onReload == OnReload::kRebuildClassifier) effect.rebuildClassifier = true;
    }
  });
  if (!(unnamedBefore == unnamedAfter)) {
    noteRestart(effect, prefix.empty() ? std::string("settings") : std::string(prefix));
  }
}

}  // namespace

ReloadEffect reloadEffect(const Settings& before, const Settings& after) {
  ReloadEffect effect;
  compareFields(before, after, "", effect);
  return effect;
}

}  // namespace baawatch::engine
