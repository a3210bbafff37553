#pragma once
// Counter-based random numbers: every draw is a pure function of
// (seed, stream, a, b, c, draw index), so results never depend on the order in
// which threads run or on how many there are.

#include <Random123/philox.h>

#include <cstdint>
#include <limits>

namespace talentsim::detail {

//! Independent random streams; the number is part of the key, so adding a
//! stream never changes the draws of the others.
enum class Stream : std::uint64_t {
  firm_expansion = 1,  //!< drawing generated firms' parameters (a = group, b = firm)
  population = 2,      //!< initial researchers (a = researcher)
  network = 3,         //!< collaboration network generation
  graduates = 4,
  retirements = 5,
  layoffs = 6,
  scouting = 7,
  taste = 8,
  spinouts = 9,
  posted_wage = 10,
  sweep = 11,         //!< sweep designs (Latin hypercube, Sobol shifts)
  applications = 12,  //!< job seekers' applications (a = step, b = researcher)
  attrition = 13,     //!< employees leaving the market by firm (a = step, b = firm)
  outside = 14,       //!< job seekers taking outside jobs (a = step)
};

//! A Philox4x64-10 generator for one (seed, stream, a, b, c) tuple. It
//! satisfies UniformRandomBitGenerator, so Boost.Random distributions can use
//! it; it is cheap to construct, so make one per decision rather than sharing.
class CounterRng {
 public:
  using result_type = std::uint64_t;

  CounterRng(std::uint64_t seed, Stream stream, std::uint64_t a = 0, std::uint64_t b = 0,
             std::uint64_t c = 0) noexcept
      : key_{{seed, static_cast<std::uint64_t>(stream)}}, ctr_{{a, b, c, 0}} {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  result_type operator()() noexcept {
    if (used_ == 4) {
      block_ = r123::Philox4x64{}(ctr_, key_);
      ++ctr_.v[3];
      used_ = 0;
    }
    return block_.v[used_++];
  }

  //! Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

 private:
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type ctr_;
  r123::Philox4x64::ctr_type block_{};
  unsigned used_ = 4;
};

}  // namespace talentsim::detail
