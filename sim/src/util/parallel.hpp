#pragma once
// The one wrapper around tbb::parallel_for. Work items are indices; each
// writes only to its own slot of a pre-sized buffer, so results never depend
// on how the range is split or on the number of threads.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstddef>

namespace talentsim::detail {

template <class Fn>
void parallel_for(std::size_t n, Fn&& fn, std::size_t grain = 1) {
  if (n == 0) return;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i) fn(i);
                    });
}

}  // namespace talentsim::detail
