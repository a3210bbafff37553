#include "market/valuation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "random/rng.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

double production(double tfp, double alpha, double talent, double compute) noexcept {
  if (talent <= 0 || compute <= 0) return 0;
  return tfp * std::pow(talent, alpha) * std::pow(compute, 1.0 - alpha);
}

namespace {

// A firm's output at a talent, straight from production() or from the
// step's OutputCache; the valuations below are written once for both.
struct DirectOutput {
  const State& s;
  double at(std::size_t f, double talent) const noexcept { return s.output(f, talent); }
  double now(std::size_t f) const noexcept { return s.output(f, s.F.talent[f]); }
};
struct CachedOutput {
  const State& s;
  const OutputCache& c;
  double at(std::size_t f, double talent) const noexcept { return c.output(s, f, talent); }
  double now(std::size_t f) const noexcept { return c.now[f]; }
};

template <class Output>
double gain_value(const State& s, const Output& out, std::size_t f, double delta) noexcept {
  const double gain = out.at(f, s.F.talent[f] + delta) - out.now(f);
  return s.F.params[f].ai_value * gain / s.F.y_ref[f];
}

template <class Output>
double loss_value(const State& s, const Output& out, std::size_t e, double delta) noexcept {
  const double loss = out.now(e) - out.at(e, std::max(0.0, s.F.talent[e] - delta));
  return s.F.params[e].ai_value * loss / s.F.y_ref[e];
}

template <class Output>
double wtp_value(const State& s, const Output& out, std::size_t f, std::int32_t r) noexcept {
  double wtp = gain_value(s, out, f, s.delta(f, r));
  const std::int32_t e = s.R.employer[static_cast<std::size_t>(r)];
  if (e >= 0 && s.F.params[f].denial_weight > 0) {
    const auto& rivals = s.F.rivals[f];
    if (std::binary_search(rivals.begin(), rivals.end(), e)) {
      const auto ei = static_cast<std::size_t>(e);
      wtp += s.F.params[f].denial_weight * loss_value(s, out, ei, s.delta(ei, r));
    }
  }
  return wtp;
}

}  // namespace

double marginal_value(const State& s, std::size_t f, double delta) noexcept {
  return gain_value(s, DirectOutput{s}, f, delta);
}

double incumbent_loss(const State& s, std::size_t e, double delta) noexcept {
  return loss_value(s, DirectOutput{s}, e, delta);
}

double willingness_to_pay(const State& s, std::size_t f, std::int32_t r) noexcept {
  return wtp_value(s, DirectOutput{s}, f, r);
}

void OutputCache::refresh(const State& s) {
  const std::size_t nf = s.F.size();
  now.resize(nf);
  compute_term.resize(nf);
  parallel_for(nf, [&](std::size_t f) { refresh(s, f); });
}

void OutputCache::refresh(const State& s, std::size_t f) {
  const double c = s.F.compute[f];
  compute_term[f] = c > 0 ? std::pow(c, 1.0 - s.F.params[f].alpha) : 0.0;
  now[f] = output(s, f, s.F.talent[f]);
}

double OutputCache::output(const State& s, std::size_t f, double talent) const noexcept {
  // production(): tfp * talent^alpha * C^(1 - alpha), 0 unless both > 0.
  if (talent <= 0 || s.F.compute[f] <= 0) return 0;
  const FirmParams& p = s.F.params[f];
  return p.tfp * std::pow(talent, p.alpha) * compute_term[f];
}

double incumbent_loss(const State& s, const OutputCache& c, std::size_t e, double delta) noexcept {
  return loss_value(s, CachedOutput{s, c}, e, delta);
}

double willingness_to_pay(const State& s, const OutputCache& c, std::size_t f,
                          std::int32_t r) noexcept {
  return wtp_value(s, CachedOutput{s, c}, f, r);
}

double retention_ceiling(const State& s, std::int32_t r) noexcept {
  const std::int32_t e = s.R.employer[static_cast<std::size_t>(r)];
  if (e < 0) return 0;
  const auto ei = static_cast<std::size_t>(e);
  return incumbent_loss(s, ei, s.delta(ei, r));
}

int peers_at(const State& s, std::int32_t r, std::int32_t f) noexcept {
  return s.peers.count(s.net, r, f);
}

double effective_money(const State& s, std::int32_t r, std::size_t f, double a) noexcept {
  const FirmParams& p = s.F.params[f];
  return a * (1.0 - p.equity_haircut * p.equity_share) + home_subsidy(s, r, f);
}

double log_compute_per_head(const State& s, std::size_t f) noexcept {
  const double per_head = s.F.compute[f] / std::max(1.0, static_cast<double>(s.F.headcount(f)));
  return std::log1p(per_head);
}

double nonmoney_utility_given(const State& s, std::int32_t r, std::size_t f,
                              double log_per_head) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const FirmParams& p = s.F.params[f];
  double u = s.R.w_compute[ri] * log_per_head + s.R.w_mission[ri] * p.mission +
             s.R.w_peers[ri] * std::log1p(peers_at(s, r, static_cast<std::int32_t>(f)));
  const auto c = static_cast<std::size_t>(s.F.country[f]);
  if (s.F.country[f] == s.R.origin[ri]) {
    u += s.R.w_home[ri] + s.C.home_pull[c];
  } else {
    u -= s.C.visa_friction[c];
  }
  return u;
}

double nonmoney_utility(const State& s, std::int32_t r, std::size_t f, bool outreach) noexcept {
  double u = nonmoney_utility_given(s, r, f, log_compute_per_head(s, f));
  if (outreach) u += s.sc.market.outreach_bonus;
  return u;
}

double money_utility(const State& s, std::int32_t r, std::size_t f, double a) noexcept {
  const double money = std::max(MIN_ANNUAL_VALUE, effective_money(s, r, f, a));
  return s.R.w_money[static_cast<std::size_t>(r)] * std::log(money);
}

double offer_utility(const State& s, std::int32_t r, std::size_t f, double a,
                     bool outreach) noexcept {
  return money_utility(s, r, f, a) + nonmoney_utility(s, r, f, outreach);
}

double stay_money_utility(const State& s, std::int32_t r, double raise) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const std::int32_t e = s.R.employer[ri];
  if (e < 0) return s.R.w_money[ri] * std::log(std::max(MIN_ANNUAL_VALUE, s.R.reservation[ri]));
  const auto ei = static_cast<std::size_t>(e);
  double money = 0;
  if (raise > 0) {
    money = effective_money(s, r, ei, raise);
  } else {
    const double h = s.contract_years();
    money = s.R.salary[ri] + s.R.signing[ri] / h +
            (1.0 - s.F.params[ei].equity_haircut) * s.R.equity[ri] / h;
    if (s.F.country[ei] == s.R.origin[ri]) {
      money += s.C.retention_subsidy[static_cast<std::size_t>(s.F.country[ei])];
    }
  }
  return s.R.w_money[ri] * std::log(std::max(MIN_ANNUAL_VALUE, money));
}

double stay_utility(const State& s, std::int32_t r, double raise) noexcept {
  const std::int32_t e = s.R.employer[static_cast<std::size_t>(r)];
  const double rest = e < 0 ? 0.0 : nonmoney_utility(s, r, static_cast<std::size_t>(e), false);
  return stay_money_utility(s, r, raise) + rest;
}

double taste_shock(const State& s, std::int32_t r, std::int32_t f) noexcept {
  const double beta = s.sc.market.taste_noise;
  if (beta <= 0) return 0;
  CounterRng rng(s.sc.run.seed, Stream::taste, static_cast<std::uint64_t>(s.step),
                 static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(f + 1));
  // u in (0, 1): avoid log(0).
  const double u = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
  return -beta * std::log(-std::log(u));
}

double value_for_utility(const State& s, std::int32_t r, std::size_t f, double target,
                         bool outreach) noexcept {
  return value_given_rest(s, r, f, target, nonmoney_utility(s, r, f, outreach));
}

double home_subsidy(const State& s, std::int32_t r, std::size_t f) noexcept {
  if (s.F.country[f] != s.R.origin[static_cast<std::size_t>(r)]) return 0.0;
  return s.C.retention_subsidy[static_cast<std::size_t>(s.F.country[f])];
}

double value_given_rest(const State& s, std::int32_t r, std::size_t f, double target,
                        double rest) noexcept {
  return value_given(s.F.params[f], s.R.w_money[static_cast<std::size_t>(r)], home_subsidy(s, r, f),
                     target, rest);
}

double value_given(const FirmParams& p, double wm, double subsidy, double target,
                   double rest) noexcept {
  if (wm <= 1e-12) {
    return rest >= target ? MIN_ANNUAL_VALUE : std::numeric_limits<double>::infinity();
  }
  const double exponent = (target - rest) / wm;
  if (exponent > 700) return std::numeric_limits<double>::infinity();
  const double money = std::exp(exponent);
  const double a = (money - subsidy) / std::max(1e-9, 1.0 - p.equity_haircut * p.equity_share);
  return std::max(MIN_ANNUAL_VALUE, a);
}

double raised(const State& s, double a) noexcept {
  return a * (1.0 + s.sc.market.bid_increment) + s.sc.market.bid_increment_usd;
}

}  // namespace talentsim::detail
