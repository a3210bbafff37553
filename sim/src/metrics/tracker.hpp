#pragma once
// Bookkeeping that makes whole-population metrics cheap: instead of scanning
// every researcher each step, the tracker is told of every change (a
// researcher joins or leaves a job, enters or leaves the market) and keeps
//  - a histogram of employed researchers' annual values on a fine log grid
//    (count and exact sum per bin) for the median, p99 and Gini;
//  - a lazy max-heap for the exact maximum;
//  - origin x work-country counts for the geography metrics.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "util/binary_io.hpp"

namespace talentsim::detail {

class PayHistogram {
 public:
  //! Bins cover [LOW, HIGH) USD/yr geometrically; values outside go to the end bins.
  static constexpr double LOW = 1.0e3;
  static constexpr double HIGH = 1.0e11;
  static constexpr int BINS = 8000;  // 0.23% wide bins

  PayHistogram();
  void add(double value);
  void remove(double value);
  std::int64_t count() const noexcept { return total_count_; }
  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);
  //! q-quantile (0..1) interpolated geometrically inside its bin.
  double quantile(double q) const noexcept;
  //! Gini coefficient with values inside a bin taken as equal to the bin mean.
  double gini() const noexcept;

 private:
  int bin(double value) const noexcept;
  std::vector<std::int64_t> counts_;
  std::vector<double> sums_;
  std::int64_t total_count_ = 0;
};

class MetricsTracker {
 public:
  void reset(std::size_t countries);
  //! r (origin o) starts a job paying `value` in country `where`.
  void employ(std::int32_t r, int origin, int where, double value);
  //! r (origin o) stops a job paying `value` in country `where`.
  void unemploy(int origin, int where, double value);
  //! Presence in the market (entry +1, exit -1).
  void presence(int origin, int delta);

  const PayHistogram& pay() const noexcept { return pay_; }
  //! Exact largest annual value among employed researchers; `current(r)`
  //! must return r's annual value if employed, else a negative number.
  template <class Current>
  double max_pay(Current&& current);

  //! employed[o * C + w]: researchers of origin o employed in country w.
  const std::vector<std::int64_t>& employed() const noexcept { return employed_; }
  const std::vector<std::int64_t>& present() const noexcept { return present_; }
  //! Checkpoint support: the exact state, floating-point sums included.
  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);
  //! After load(): sizes match `countries` and every researcher id is below
  //! `researchers` (a checkpoint edited by hand may hold anything).
  bool consistent(std::size_t researchers, std::size_t countries) const noexcept;

 private:
  struct Top {
    double value;
    std::int32_t researcher;
    bool operator<(const Top& o) const noexcept {
      return value < o.value || (value == o.value && researcher > o.researcher);
    }
  };
  PayHistogram pay_;
  std::vector<Top> top_;  // a max-heap (std::push_heap / pop_heap)
  std::size_t countries_ = 0;
  std::vector<std::int64_t> employed_;
  std::vector<std::int64_t> present_;
};

template <class Current>
double MetricsTracker::max_pay(Current&& current) {
  // Every job start pushes an entry and stale ones leave only from the top,
  // so the heap is compacted when it outgrows the employed population: the
  // memory stays proportional to the researchers, not to the moves so far.
  if (top_.size() > 2 * static_cast<std::size_t>(pay_.count()) + 4096) {
    std::erase_if(top_, [&](const Top& t) { return current(t.researcher) != t.value; });
    std::sort(top_.begin(), top_.end(), [](const Top& a, const Top& b) {
      return a.researcher < b.researcher || (a.researcher == b.researcher && a.value < b.value);
    });
    top_.erase(std::unique(top_.begin(), top_.end(),
                           [](const Top& a, const Top& b) {
                             return a.researcher == b.researcher && a.value == b.value;
                           }),
               top_.end());
    std::make_heap(top_.begin(), top_.end());
  }
  while (!top_.empty()) {
    const Top t = top_.front();
    if (current(t.researcher) == t.value) return t.value;
    std::pop_heap(top_.begin(), top_.end());  // stale: the pay changed or the job ended
    top_.pop_back();
  }
  return 0;
}

}  // namespace talentsim::detail
