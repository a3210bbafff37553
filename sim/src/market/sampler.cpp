#include "market/sampler.hpp"

#include <algorithm>

#include "util/parallel.hpp"

namespace talentsim::detail {

void AliasTable::build(const double* weights, std::size_t n) {
  prob_.assign(n, 0.0);
  alias_.assign(n, 0);
  total_ = 0;
  for (std::size_t i = 0; i < n; ++i) total_ += weights[i];
  if (n == 0 || total_ <= 0) {
    total_ = 0;
    return;
  }
  std::vector<std::uint32_t> small, large;
  small.reserve(n);
  large.reserve(n);
  const double scale = static_cast<double>(n) / total_;
  for (std::size_t i = 0; i < n; ++i) {
    prob_[i] = weights[i] * scale;
    (prob_[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    alias_[s] = l;
    prob_[l] = (prob_[l] + prob_[s]) - 1.0;
    if (prob_[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding; a zero weight must never be drawn, so
  // leftover small entries point to themselves only if they have weight.
  for (std::uint32_t i : large) prob_[i] = 1.0;
  for (std::uint32_t i : small) {
    prob_[i] = weights[i] > 0 ? 1.0 : 0.0;
    if (weights[i] <= 0) {
      // Point at some entry with weight so the draw is valid.
      for (std::size_t j = 0; j < n; ++j) {
        if (weights[j] > 0) {
          alias_[i] = static_cast<std::uint32_t>(j);
          break;
        }
      }
    }
  }
}

std::uint32_t AliasTable::sample(double u1, double u2) const noexcept {
  const auto n = prob_.size();
  auto i = static_cast<std::size_t>(u1 * static_cast<double>(n));
  if (i >= n) i = n - 1;
  return u2 < prob_[i] ? static_cast<std::uint32_t>(i) : alias_[i];
}

void VisibilitySampler::reserve(std::size_t n) {
  const std::size_t blocks = (n + BLOCK - 1) / BLOCK;
  weights_.reserve(n);
  slots_.reserve(blocks * BLOCK);
  block_n_.reserve(blocks);
  block_totals_.reserve(blocks);
  dirty_.reserve(blocks);
}

void VisibilitySampler::set_weight(std::size_t r, double weight) {
  if (r >= weights_.size()) {
    const std::size_t n = r + 1;
    weights_.resize(n, 0.0);
    const std::size_t blocks = (n + BLOCK - 1) / BLOCK;
    if (blocks > block_n_.size()) {
      block_n_.resize(blocks, 0);
      slots_.resize(blocks * BLOCK, Slot{0.0, 0});
      block_totals_.resize(blocks, 0.0);
      dirty_.resize(blocks, 0);
    }
  }
  if (weights_[r] == weight) return;
  weights_[r] = weight;
  const std::size_t b = r / BLOCK;
  if (!dirty_[b]) {
    dirty_[b] = 1;
    dirty_list_.push_back(b);
  }
}

void VisibilitySampler::refresh() {
  if (dirty_list_.empty()) return;
  // Blocks are independent (each build is a function of its own weights
  // alone), so they are rebuilt in parallel, in chunks of GROUP blocks that
  // share one scratch table: some 500 of the 4,000 blocks of a 1M world
  // change in a step.
  constexpr std::size_t GROUP = 16;
  std::sort(dirty_list_.begin(), dirty_list_.end());  // neighbouring blocks together
  parallel_for((dirty_list_.size() + GROUP - 1) / GROUP, [&](std::size_t g) {
    AliasTable scratch;
    const std::size_t end = std::min(dirty_list_.size(), (g + 1) * GROUP);
    for (std::size_t k = g * GROUP; k < end; ++k) {
      const std::size_t b = dirty_list_[k];
      const std::size_t begin = b * BLOCK;
      const std::size_t n = std::min(BLOCK, weights_.size() - begin);
      scratch.build(weights_.data() + begin, n);
      block_totals_[b] = scratch.total();
      block_n_[b] = static_cast<std::uint32_t>(n);
      Slot* slot = slots_.data() + begin;
      for (std::size_t i = 0; i < n; ++i) slot[i] = {scratch.prob(i), scratch.alias(i)};
      dirty_[b] = 0;
    }
  });
  dirty_list_.clear();
  top_.build(block_totals_.data(), block_totals_.size());
}

std::int32_t VisibilitySampler::sample(double u1, double u2, double u3, double u4) const noexcept {
  if (top_.empty()) return -1;
  const std::uint32_t b = top_.sample(u1, u2);
  // AliasTable::sample on block b's slots.
  const std::size_t n = block_n_[b];
  if (n == 0) return -1;  // a block never built has no weight, so is never drawn
  auto i = static_cast<std::size_t>(u3 * static_cast<double>(n));
  if (i >= n) i = n - 1;
  const Slot& s = slots_[b * BLOCK + i];
  const std::size_t k = u4 < s.prob ? i : s.alias;
  return static_cast<std::int32_t>(b * BLOCK + k);
}

void VisibilitySampler::sample_n(const double* u, std::size_t n, std::int32_t* out) const noexcept {
  // Pass 1: the block and the slot of each draw (the top table is small and
  // stays in cache); the slot is prefetched. Pass 2: the alias decision.
  for (std::size_t k = 0; k < n; ++k) {
    const double* v = u + 4 * k;
    if (top_.empty()) {
      out[k] = -1;
      continue;
    }
    const std::uint32_t b = top_.sample(v[0], v[1]);
    const std::size_t m = block_n_[b];
    if (m == 0) {
      out[k] = -1;
      continue;
    }
    auto i = static_cast<std::size_t>(v[2] * static_cast<double>(m));
    if (i >= m) i = m - 1;
    const std::size_t slot = b * BLOCK + i;
    __builtin_prefetch(slots_.data() + slot);
    out[k] = static_cast<std::int32_t>(slot);
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (out[k] < 0) continue;
    const auto slot = static_cast<std::size_t>(out[k]);
    const Slot& s = slots_[slot];
    const std::size_t base = slot - slot % BLOCK;
    out[k] = static_cast<std::int32_t>(u[4 * k + 3] < s.prob ? slot : base + s.alias);
  }
}

}  // namespace talentsim::detail
