#pragma once
// Visibility-weighted sampling of researchers in O(1) per draw, with cheap
// updates: researchers are grouped in blocks of BLOCK ids; each block has its
// own alias table and a top-level alias table picks the block. Changing a
// weight marks its block dirty; refresh() rebuilds dirty blocks and the top
// table, so a step pays for the researchers that entered or left, not for all.
// The blocks' tables live in one flat array of (probability, alias) slots,
// researcher by researcher, so a draw touches one cache line of it.

#include <cstdint>
#include <vector>

namespace talentsim::detail {

class AliasTable {
 public:
  //! Vose's method; deterministic for the same weights. All-zero weights give
  //! an empty table.
  void build(const double* weights, std::size_t n);
  bool empty() const noexcept { return total_ <= 0; }
  double total() const noexcept { return total_; }
  //! Index drawn with probability weight/total, from two uniforms in [0, 1).
  std::uint32_t sample(double u1, double u2) const noexcept;
  std::size_t size() const noexcept { return prob_.size(); }
  double prob(std::size_t i) const noexcept { return prob_[i]; }
  std::uint32_t alias(std::size_t i) const noexcept { return alias_[i]; }

 private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
  double total_ = 0;
};

class VisibilitySampler {
 public:
  static constexpr std::size_t BLOCK = 256;

  //! Makes room for n researchers (no reallocation while the table grows to n).
  void reserve(std::size_t n);
  //! Sets the weight of researcher r (growing the table as needed).
  void set_weight(std::size_t r, double weight);
  double weight(std::size_t r) const noexcept { return r < weights_.size() ? weights_[r] : 0; }
  //! Rebuilds what changed since the last refresh.
  void refresh();
  bool empty() const noexcept { return top_.empty(); }
  //! A researcher id, or -1 if every weight is zero. Uses four uniforms.
  std::int32_t sample(double u1, double u2, double u3, double u4) const noexcept;
  //! sample() for n draws at once, draw k from u[4k .. 4k+3], into out[k]:
  //! the same ids, with each draw's slot loaded ahead (the draws' cache
  //! misses overlap instead of following one another).
  void sample_n(const double* u, std::size_t n, std::int32_t* out) const noexcept;

 private:
  struct Slot {
    double prob;
    std::uint32_t alias;
  };
  std::vector<double> weights_;
  std::vector<Slot> slots_;             // block b's table at [b * BLOCK, b * BLOCK + n_b)
  std::vector<std::uint32_t> block_n_;  // n_b: the block's size when it was last built
  std::vector<double> block_totals_;
  std::vector<std::uint8_t> dirty_;
  std::vector<std::size_t> dirty_list_;
  AliasTable top_;
};

}  // namespace talentsim::detail
