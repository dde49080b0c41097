#pragma once
// The packet path returns errors as values, never by throwing (STYLE.md §2).
// Expected<T, E> is tl::expected behind our own name so it can become std::expected later.
#include <tl/expected.hpp>

namespace baawatch {

template <class T, class E>
using Expected = tl::expected<T, E>;

template <class E>
auto unexpected(E error) {
  return tl::make_unexpected(std::move(error));
}

}  // namespace baawatch
