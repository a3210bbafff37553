#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "random/rng.hpp"
#include "talentsim/distribution.hpp"
#include "talentsim/errors.hpp"

using talentsim::Categorical;
using talentsim::Distribution;
using talentsim::LogNormal;
using talentsim::Normal;
using talentsim::Pareto;
using talentsim::Uniform;
using talentsim::detail::CounterRng;
using talentsim::detail::Stream;

namespace {

std::vector<double> draws(const Distribution& d, int n, std::uint64_t seed = 1) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    CounterRng rng(seed, Stream::population, static_cast<std::uint64_t>(i));
    out.push_back(d.sample(rng));
  }
  return out;
}

double mean(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double sd(const std::vector<double>& x) {
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size() - 1));
}

}  // namespace

TEST(CounterRng, IsAPureFunctionOfItsKey) {
  CounterRng a(42, Stream::scouting, 1, 2, 3), b(42, Stream::scouting, 1, 2, 3);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a(), b());
  CounterRng c(42, Stream::scouting, 1, 2, 4), d(42, Stream::taste, 1, 2, 3),
      e(43, Stream::scouting, 1, 2, 3);
  CounterRng ref(42, Stream::scouting, 1, 2, 3);
  const auto first = ref();
  EXPECT_NE(first, c());
  EXPECT_NE(first, d());
  EXPECT_NE(first, e());
}

TEST(CounterRng, UniformIsInUnitInterval) {
  CounterRng rng(7, Stream::population);
  double lo = 1, hi = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_LT(lo, 0.001);
  EXPECT_GT(hi, 0.999);
}

TEST(Distribution, ConstantAlwaysReturnsItsValue) {
  for (double x : draws(Distribution::constant(3.5), 100)) EXPECT_EQ(x, 3.5);
}

TEST(Distribution, UniformMomentsAndBounds) {
  const auto x = draws(Distribution(Uniform{2, 4}), 20000);
  for (double v : x) {
    EXPECT_GE(v, 2);
    EXPECT_LT(v, 4);
  }
  // Standard error of the mean: (2/sqrt(12))/sqrt(20000) = 0.004.
  EXPECT_NEAR(mean(x), 3.0, 0.02);
  EXPECT_NEAR(sd(x), 2 / std::sqrt(12.0), 0.01);
}

TEST(Distribution, NormalMoments) {
  const auto x = draws(Distribution(Normal{10, 2}), 20000);
  EXPECT_NEAR(mean(x), 10.0, 0.06);  // se 0.014
  EXPECT_NEAR(sd(x), 2.0, 0.05);
}

TEST(Distribution, LogNormalMedianAndPositivity) {
  auto x = draws(Distribution(LogNormal{std::log(5.0), 0.5}), 20001);
  for (double v : x) EXPECT_GT(v, 0);
  std::nth_element(x.begin(), x.begin() + 10000, x.end());
  EXPECT_NEAR(x[10000], 5.0, 0.1);
}

TEST(Distribution, ParetoTail) {
  // P(X > 2 * scale) = 2^-shape = 0.25 for shape 2.
  const auto x = draws(Distribution(Pareto{1.5, 2.0}), 20000);
  int above = 0;
  for (double v : x) {
    EXPECT_GE(v, 1.5);
    above += v > 3.0;
  }
  EXPECT_NEAR(above / 20000.0, 0.25, 0.015);
}

TEST(Distribution, LogNormalWithAParetoTail) {
  // Body lognormal(0, 0.8) below a = 3 (P(LN > 3) = 1 - Phi(ln 3 / 0.8) =
  // 0.0852); above it P(X > x) = 0.0852 * (3 / x)^2.5.
  const LogNormal plain{0.0, 0.8};
  const LogNormal tailed{0.0, 0.8, 3.0, 2.5};
  const int n = 200000;
  const auto a = draws(Distribution(plain), n), b = draws(Distribution(tailed), n);
  const double p_tail = 0.5 * std::erfc(std::log(3.0) / (0.8 * std::sqrt(2.0)));
  int above3 = 0, above6 = 0, above12 = 0;
  for (int i = 0; i < n; ++i) {
    if (a[i] <= 3.0) {
      EXPECT_EQ(a[i], b[i]);  // the body is unchanged, draw by draw
    }
    above3 += b[i] > 3.0;
    above6 += b[i] > 6.0;
    above12 += b[i] > 12.0;
  }
  EXPECT_NEAR(above3 / double(n), p_tail, 0.002);                          // se 0.0006
  EXPECT_NEAR(above6 / double(n), p_tail * std::pow(0.5, 2.5), 0.0008);    // se 0.0002
  EXPECT_NEAR(above12 / double(n), p_tail * std::pow(0.25, 2.5), 0.0003);  // se 0.00006
  // The largest draw is larger (the far tail is heavier), and ranks are kept:
  // the tail map is monotone.
  EXPECT_GT(*std::max_element(b.begin(), b.end()), *std::max_element(a.begin(), a.end()));
  for (int i = 1; i < 1000; ++i) EXPECT_EQ(a[i] < a[i - 1], b[i] < b[i - 1]);
  // Closed-form mean (body part + tail part) against the sample mean.
  const Distribution d(tailed);
  double sum = 0;
  for (double v : b) sum += v;
  EXPECT_NEAR(sum / n, d.mean(), 0.02 * d.mean());
  EXPECT_GT(d.mean(), Distribution(plain).mean());
  // The reachable maximum is finite and above the plain lognormal's.
  EXPECT_GT(d.reachable_high(), Distribution(plain).reachable_high());
  EXPECT_TRUE(std::isfinite(d.reachable_high()));
}

TEST(Distribution, QuantilesAndDrawsAboveAQuantile) {
  EXPECT_NEAR(Distribution(Normal{1, 2}).quantile(0.975), 1 + 2 * 1.959963985, 1e-8);
  EXPECT_NEAR(Distribution(LogNormal{std::log(5.0), 0.5}).quantile(0.5), 5.0, 1e-12);
  EXPECT_NEAR(Distribution(Pareto{1.5, 2.0}).quantile(0.75), 3.0, 1e-12);
  EXPECT_NEAR(Distribution(Uniform{2, 4}).quantile(0.25), 2.5, 1e-12);
  // In the Pareto tail of a lognormal: P(X > x) = p_tail (a / x)^shape.
  const LogNormal tailed{0.0, 0.8, 3.0, 2.5};
  const Distribution d(tailed);
  const double p_tail = 0.5 * std::erfc(std::log(3.0) / (0.8 * std::sqrt(2.0)));
  const double q = 1 - p_tail * std::pow(0.5, 2.5);  // the quantile at x = 6
  EXPECT_NEAR(d.quantile(q), 6.0, 1e-9);
  // Below the tail, the lognormal's own quantile.
  EXPECT_NEAR(d.quantile(0.5), 1.0, 1e-12);
  // The quantile function agrees with the sampler: the share of draws below
  // the 0.9 and 0.99 quantiles.
  const auto x = draws(d, 100000);
  for (const double p : {0.9, 0.99}) {
    const double v = d.quantile(p);
    std::size_t below = 0;
    for (double y : x) below += y <= v;
    EXPECT_NEAR(below / 1.0e5, p, 0.004);
  }
  // Draws above the 0.999 quantile: all above it, their median at the
  // 0.9995 quantile.
  std::vector<double> top;
  for (int i = 0; i < 4001; ++i) {
    CounterRng rng(7, Stream::population, static_cast<std::uint64_t>(i));
    top.push_back(d.sample_above(rng, 0.999));
    EXPECT_GE(top.back(), d.quantile(0.999));
  }
  std::nth_element(top.begin(), top.begin() + 2000, top.end());
  EXPECT_NEAR(top[2000] / d.quantile(0.9995), 1.0, 0.05);
  EXPECT_THROW(static_cast<void>(d.quantile(1.0)), talentsim::user_error);
}

TEST(Distribution, CategoricalSharesAndIndices) {
  Distribution d(Categorical{{"a", "b", "c"}, {}, {0.2, 0.5, 0.3}});
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) {
    CounterRng rng(3, Stream::population, static_cast<std::uint64_t>(i));
    ++counts[d.sample_index(rng)];
  }
  EXPECT_NEAR(counts[0] / 30000.0, 0.2, 0.015);
  EXPECT_NEAR(counts[1] / 30000.0, 0.5, 0.015);
  EXPECT_NEAR(counts[2] / 30000.0, 0.3, 0.015);
  EXPECT_TRUE(d.is_labelled());
}

TEST(Distribution, NumericCategoricalReturnsValues) {
  Distribution d(Categorical{{}, {10, 20}, {0.5, 0.5}});
  for (double x : draws(d, 200)) EXPECT_TRUE(x == 10 || x == 20);
  EXPECT_DOUBLE_EQ(d.mean(), 15);
}

TEST(Distribution, ZeroShareCategoryIsNeverDrawn) {
  Distribution d(Categorical{{"a", "b"}, {}, {0.0, 1.0}});
  for (int i = 0; i < 1000; ++i) {
    CounterRng rng(1, Stream::population, static_cast<std::uint64_t>(i));
    EXPECT_EQ(d.sample_index(rng), 1u);
  }
}

TEST(Distribution, ClampingBoundsDrawsAndSupport) {
  Distribution d(Normal{0, 10}, -1.0, 2.0);
  for (double x : draws(d, 1000)) {
    EXPECT_GE(x, -1.0);
    EXPECT_LE(x, 2.0);
  }
  EXPECT_EQ(d.support_low(), -1.0);
  EXPECT_EQ(d.support_high(), 2.0);
}

TEST(Distribution, SupportOfEachFamily) {
  EXPECT_EQ(Distribution(Uniform{1, 3}).support_low(), 1);
  EXPECT_EQ(Distribution(Uniform{1, 3}).support_high(), 3);
  EXPECT_TRUE(std::isinf(Distribution(Normal{0, 1}).support_low()));
  EXPECT_EQ(Distribution(LogNormal{0, 1}).support_low(), 0);
  EXPECT_EQ(Distribution(Pareto{2, 3}).support_low(), 2);
  EXPECT_TRUE(std::isinf(Distribution(Pareto{2, 3}).support_high()));
}

TEST(Distribution, SameKeySameDrawsDifferentSeedDifferentDraws) {
  const Distribution d(LogNormal{0, 1});
  EXPECT_EQ(draws(d, 50, 9), draws(d, 50, 9));
  EXPECT_NE(draws(d, 50, 9), draws(d, 50, 10));
}

// The extremes the 53-bit generator can reach, in closed form: the largest
// Box-Muller radius is sqrt(-2 ln 2^-53), a Pareto's largest draw
// scale * 2^(53 / shape); the draws at those uniforms equal the bounds.
// A generator whose first word gives the largest uniform (1 - 2^-53) and
// whose second gives 0.
struct TopThenZero {
  int calls = 0;
  std::uint64_t operator()() { return calls++ % 2 == 0 ? ~std::uint64_t{0} : 0; }
};

TEST(Distribution, ReachableExtremesOfTheGenerator) {
  const double radius = std::sqrt(2.0 * 53.0 * std::log(2.0));
  const Distribution normal(Normal{2.0, 3.0});
  EXPECT_NEAR(normal.reachable_high(), 2.0 + 3.0 * radius, 1e-12);
  EXPECT_NEAR(normal.reachable_low(), 2.0 - 3.0 * radius, 1e-12);
  TopThenZero top;
  EXPECT_NEAR(normal.sample(top), normal.reachable_high(), 1e-9);
  const Distribution lognormal(LogNormal{0.0, 1.0});
  EXPECT_NEAR(lognormal.reachable_high(), std::exp(radius), 1e-9);
  const Distribution pareto(Pareto{1.5, 2.0});
  EXPECT_DOUBLE_EQ(pareto.reachable_high(), 1.5 * std::pow(2.0, 26.5));
  EXPECT_NEAR(pareto.sample(top), pareto.reachable_high(), 1e-3);
  EXPECT_EQ(Distribution(Pareto{1.0, 0.001}).reachable_high(),
            std::numeric_limits<double>::infinity());
  // Clamping bounds what is reachable.
  EXPECT_EQ(Distribution(Pareto{1.0, 0.001}, 1.0, 100.0).reachable_high(), 100.0);
  EXPECT_EQ(Distribution(Uniform{-1.0, 4.0}).reachable_low(), -1.0);
}
