#pragma once
// Visibility-weighted sampling of researchers in O(1) per draw, with cheap
// updates: researchers are grouped in blocks of BLOCK ids; each block has its
// own alias table and a top-level alias table picks the block. Changing a
// weight marks its block dirty; refresh() rebuilds dirty blocks and the top
// table, so a step pays for the researchers that entered or left, not for all.

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

 private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
  double total_ = 0;
};

class VisibilitySampler {
 public:
  static constexpr std::size_t BLOCK = 256;

  //! Sets the weight of researcher r (growing the table as needed).
  void set_weight(std::size_t r, double weight);
  double weight(std::size_t r) const noexcept { return r < weights_.size() ? weights_[r] : 0; }
  //! Rebuilds what changed since the last refresh.
  void refresh();
  bool empty() const noexcept { return top_.empty(); }
  //! A researcher id, or -1 if every weight is zero. Uses four uniforms.
  std::int32_t sample(double u1, double u2, double u3, double u4) const noexcept;

 private:
  std::vector<double> weights_;
  std::vector<AliasTable> blocks_;
  std::vector<double> block_totals_;
  std::vector<std::uint8_t> dirty_;
  std::vector<std::size_t> dirty_list_;
  AliasTable top_;
};

}  // namespace talentsim::detail
