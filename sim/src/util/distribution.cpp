#include "talentsim/distribution.hpp"

#include <boost/math/special_functions/erf.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "talentsim/errors.hpp"

namespace talentsim {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// A lognormal draw x mapped onto the Pareto tail above tail_above: its
// conditional survival t = P(LN > x | LN > tail_above), from erfc, becomes
// tail_above * t^(-1/shape). Monotone, so the ranks of the draws are kept.
double pareto_tail(const LogNormal& d, double x) noexcept {
  if (!(d.tail_shape > 0) || !(x > d.tail_above)) return x;
  const double z0 = (std::log(d.tail_above) - d.mu) / (d.sigma * std::numbers::sqrt2);
  const double z = (std::log(x) - d.mu) / (d.sigma * std::numbers::sqrt2);
  const double t = std::erfc(z) / std::erfc(z0);
  if (!(t > 0)) return INF;  // beyond the reach of double: clamped by max
  return d.tail_above * std::pow(std::min(1.0, t), -1.0 / d.tail_shape);
}

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

}  // namespace

Distribution::Distribution(Family family, double min, double max)
    : family_(std::move(family)), min_(min), max_(max) {
  if (const auto* c = std::get_if<Categorical>(&family_)) {
    cumulative_.resize(c->shares.size());
    std::partial_sum(c->shares.begin(), c->shares.end(), cumulative_.begin());
    if (!cumulative_.empty()) {
      // Normalise so the last bucket always catches u close to 1.
      const double total = cumulative_.back();
      for (double& x : cumulative_) x /= total;
      cumulative_.back() = 1.0;
    }
  }
}

bool Distribution::is_labelled() const noexcept {
  const auto* c = std::get_if<Categorical>(&family_);
  return c != nullptr && !c->labels.empty();
}

const char* Distribution::name() const noexcept {
  return std::visit(
      overloaded{
          [](const Constant&) { return "constant"; }, [](const Uniform&) { return "uniform"; },
          [](const Normal&) { return "normal"; }, [](const LogNormal&) { return "lognormal"; },
          [](const Pareto&) { return "pareto"; }, [](const Categorical&) { return "categorical"; }},
      family_);
}

double Distribution::support_low() const noexcept {
  const double raw = std::visit(
      overloaded{[](const Constant& d) { return d.value; }, [](const Uniform& d) { return d.low; },
                 [](const Normal&) { return -INF; }, [](const LogNormal&) { return 0.0; },
                 [](const Pareto& d) { return d.scale; },
                 [](const Categorical& d) {
                   return d.values.empty() ? 0.0
                                           : *std::min_element(d.values.begin(), d.values.end());
                 }},
      family_);
  return std::clamp(raw, min_, max_);
}

double Distribution::support_high() const noexcept {
  const double raw = std::visit(
      overloaded{[](const Constant& d) { return d.value; }, [](const Uniform& d) { return d.high; },
                 [](const Normal&) { return INF; }, [](const LogNormal&) { return INF; },
                 [](const Pareto&) { return INF; },
                 [](const Categorical& d) {
                   return d.values.empty() ? 0.0
                                           : *std::max_element(d.values.begin(), d.values.end());
                 }},
      family_);
  return std::clamp(raw, min_, max_);
}

namespace {
// sqrt(-2 ln 2^-53): the largest Box-Muller radius a 53-bit uniform reaches.
const double MAX_RADIUS = std::sqrt(2.0 * 53.0 * std::log(2.0));
}  // namespace

// Only the normal and lognormal tails differ from the support; a Pareto's
// support is unbounded above, its reachable maximum is scale * 2^(53/shape).
double Distribution::reachable_low() const noexcept {
  if (const auto* n = std::get_if<Normal>(&family_)) {
    return std::clamp(n->mean - std::abs(n->sd) * MAX_RADIUS, min_, max_);
  }
  if (const auto* l = std::get_if<LogNormal>(&family_)) {
    return std::clamp(std::exp(l->mu - std::abs(l->sigma) * MAX_RADIUS), min_, max_);
  }
  return support_low();
}

double Distribution::reachable_high() const noexcept {
  if (const auto* n = std::get_if<Normal>(&family_)) {
    return std::clamp(n->mean + std::abs(n->sd) * MAX_RADIUS, min_, max_);
  }
  if (const auto* l = std::get_if<LogNormal>(&family_)) {
    return std::clamp(pareto_tail(*l, std::exp(l->mu + std::abs(l->sigma) * MAX_RADIUS)), min_,
                      max_);
  }
  if (const auto* p = std::get_if<Pareto>(&family_)) {
    return std::clamp(p->scale * std::pow(2.0, 53.0 / p->shape), min_, max_);
  }
  return support_high();
}

double Distribution::mean() const noexcept {
  return std::visit(
      overloaded{
          [](const Constant& d) { return d.value; },
          [](const Uniform& d) { return 0.5 * (d.low + d.high); },
          [](const Normal& d) { return d.mean; },
          [](const LogNormal& d) {
            const double body = std::exp(d.mu + 0.5 * d.sigma * d.sigma);
            if (!(d.tail_shape > 0)) return body;
            if (!(d.tail_shape > 1)) return INF;
            // E[X] = E[LN; LN <= a] + P(LN > a) * a * shape / (shape - 1), a = tail_above.
            const double s = d.sigma * std::numbers::sqrt2, a = d.tail_above;
            const double p_tail = 0.5 * std::erfc((std::log(a) - d.mu) / s);
            const double below =
                body * 0.5 * std::erfc((d.mu + d.sigma * d.sigma - std::log(a)) / s);
            return below + p_tail * a * d.tail_shape / (d.tail_shape - 1);
          },
          [](const Pareto& d) { return d.shape > 1 ? d.shape * d.scale / (d.shape - 1) : INF; },
          [](const Categorical& d) {
            return d.values.empty() ? 0.0
                                    : std::inner_product(d.values.begin(), d.values.end(),
                                                         d.shares.begin(), 0.0);
          }},
      family_);
}

double Distribution::draw_from_uniforms(double u1, double u2) const noexcept {
  const double x = std::visit(
      overloaded{[](const Constant& d) { return d.value; },
                 [&](const Uniform& d) { return d.low + (d.high - d.low) * u1; },
                 [&](const Normal& d) {
                   // Box-Muller on (0, 1]: deterministic, two uniforms, no rejection loop.
                   const double r = std::sqrt(-2.0 * std::log(1.0 - u1));
                   return d.mean + d.sd * r * std::cos(2.0 * std::numbers::pi * u2);
                 },
                 [&](const LogNormal& d) {
                   const double r = std::sqrt(-2.0 * std::log(1.0 - u1));
                   return pareto_tail(
                       d, std::exp(d.mu + d.sigma * r * std::cos(2.0 * std::numbers::pi * u2)));
                 },
                 [&](const Pareto& d) { return d.scale * std::pow(1.0 - u1, -1.0 / d.shape); },
                 [&](const Categorical& d) {
                   return d.values.empty() ? static_cast<double>(index_from_uniform(u1))
                                           : d.values[index_from_uniform(u1)];
                 }},
      family_);
  return std::clamp(x, min_, max_);
}

double Distribution::quantile(double p) const {
  if (!(p >= 0 && p < 1)) throw user_error("a quantile needs 0 <= p < 1");
  if (is_labelled()) throw user_error("a labelled categorical has no quantile");
  // The standard normal quantile from erfc_inv (Boost.Math); p = 0 is -inf.
  const auto z = [](double q) {
    return q <= 0 ? -INF : -std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * q);
  };
  const double x = std::visit(
      overloaded{[](const Constant& d) { return d.value; },
                 [&](const Uniform& d) { return d.low + (d.high - d.low) * p; },
                 [&](const Normal& d) { return d.mean + d.sd * z(p); },
                 [&](const LogNormal& d) {
                   if (d.tail_shape > 0) {
                     const double p_tail = 0.5 * std::erfc((std::log(d.tail_above) - d.mu) /
                                                           (d.sigma * std::numbers::sqrt2));
                     if (1.0 - p <= p_tail) {
                       return d.tail_above * std::pow((1.0 - p) / p_tail, -1.0 / d.tail_shape);
                     }
                   }
                   return std::exp(d.mu + d.sigma * z(p));
                 },
                 [&](const Pareto& d) { return d.scale * std::pow(1.0 - p, -1.0 / d.shape); },
                 [&](const Categorical& d) { return d.values[index_from_uniform(p)]; }},
      family_);
  return std::clamp(x, min_, max_);
}

std::size_t Distribution::index_from_uniform(double u) const noexcept {
  if (cumulative_.empty()) return 0;
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()),
                               cumulative_.size() - 1);
}

}  // namespace talentsim
