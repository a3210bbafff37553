#pragma once
//! The one notation for random quantities in scenarios: a plain number is a
//! constant; a table `{ dist = "...", ... }` is one of the families below,
//! optionally clamped to [min, max].

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <variant>
#include <vector>

namespace talentsim {

struct Constant {
  double value = 0;
  bool operator==(const Constant&) const = default;
};
struct Uniform {
  double low = 0, high = 1;
  bool operator==(const Uniform&) const = default;
};
struct Normal {
  double mean = 0, sd = 1;
  bool operator==(const Normal&) const = default;
};
//! ln X ~ Normal(mu, sigma); with tail_shape > 0, the draws above
//! tail_above are mapped, in order, onto a Pareto tail of that shape:
//! P(X > x) = P(LN > tail_above) * (tail_above / x)^tail_shape for
//! x >= tail_above (a lognormal body with a Pareto upper tail; the body's
//! draws are unchanged).
struct LogNormal {
  double mu = 0, sigma = 1;
  double tail_above = 0, tail_shape = 0;  //!< 0 = no Pareto tail
  bool operator==(const LogNormal&) const = default;
};
//! Pareto type I: P(X > x) = (scale / x)^shape for x >= scale.
struct Pareto {
  double scale = 1, shape = 2;
  bool operator==(const Pareto&) const = default;
};
//! Categorical over labels (`shares = { US = 0.6, CN = 0.4 }`) or over numbers
//! (`values = [...]`, `shares = [...]`). Shares sum to 1.
struct Categorical {
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<double> shares;
  bool operator==(const Categorical&) const = default;
};

//! A validated distribution. Sampling takes uniforms from the caller's
//! counter-based generator (see sample()).
class Distribution {
 public:
  using Family = std::variant<Constant, Uniform, Normal, LogNormal, Pareto, Categorical>;

  Distribution() = default;
  explicit Distribution(Family family, double min = -std::numeric_limits<double>::infinity(),
                        double max = std::numeric_limits<double>::infinity());
  static Distribution constant(double value) { return Distribution(Constant{value}); }

  const Family& family() const noexcept { return family_; }
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  bool is_constant() const noexcept { return std::holds_alternative<Constant>(family_); }
  bool is_labelled() const noexcept;
  //! Family name as written in scenarios: "constant", "uniform", ...
  const char* name() const noexcept;
  //! Smallest and largest values it can produce (after clamping).
  double support_low() const noexcept;
  double support_high() const noexcept;
  //! Smallest and largest draws the counter-based generator can reach
  //! (its uniforms have 53 bits, so a tail ends at 1 - u = 2^-53), after
  //! clamping: finite bounds of an unbounded family's actual draws.
  double reachable_low() const noexcept;
  double reachable_high() const noexcept;
  //! Expected value after clamping is ignored (used for estimates only).
  double mean() const noexcept;

  //! Draws a number. `rng` is a UniformRandomBitGenerator (CounterRng).
  template <class Rng>
  double sample(Rng& rng) const;
  //! Draws the index of a category (labelled or numeric categorical only).
  template <class Rng>
  std::size_t sample_index(Rng& rng) const;
  //! The p-quantile (0 <= p < 1), after clamping; not for labelled categoricals.
  double quantile(double p) const;
  //! A draw conditional on lying above the q-quantile: the quantile of
  //! q + (1 - q) u for one uniform u (two generator calls, as sample()).
  template <class Rng>
  double sample_above(Rng& rng, double q) const;

  bool operator==(const Distribution&) const = default;

 private:
  double draw_from_uniforms(double u1, double u2) const noexcept;
  std::size_t index_from_uniform(double u) const noexcept;

  Family family_ = Constant{};
  double min_ = -std::numeric_limits<double>::infinity();
  double max_ = std::numeric_limits<double>::infinity();
  std::vector<double> cumulative_;
};

template <class Rng>
double Distribution::sample(Rng& rng) const {
  // Two uniforms per draw, always, so the number of generator calls does not
  // depend on the family (keeps streams aligned when a scenario changes).
  const double u1 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return draw_from_uniforms(u1, u2);
}

template <class Rng>
double Distribution::sample_above(Rng& rng, double q) const {
  const double u1 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  static_cast<void>(rng());  // the second call of sample(), for aligned streams
  // q + (1 - q) u1 rounds to 1 when q is within ~1e-16 of 1: stay below it.
  return quantile(std::min(q + (1.0 - q) * u1, std::nextafter(1.0, 0.0)));
}

template <class Rng>
std::size_t Distribution::sample_index(Rng& rng) const {
  return index_from_uniform(static_cast<double>(rng() >> 11) * 0x1.0p-53);
}

}  // namespace talentsim
