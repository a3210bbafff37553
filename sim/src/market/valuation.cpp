#include "market/valuation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "random/rng.hpp"

namespace talentsim::detail {

double production(double tfp, double alpha, double talent, double compute) noexcept {
  if (talent <= 0 || compute <= 0) return 0;
  return tfp * std::pow(talent, alpha) * std::pow(compute, 1.0 - alpha);
}

double marginal_value(const Simulation::World& w, std::size_t f, double delta) noexcept {
  const double t = w.F.talent[f];
  const double gain = w.output(f, t + delta) - w.output(f, t);
  return w.F.params[f].ai_value * gain / w.F.y_ref[f];
}

double incumbent_loss(const Simulation::World& w, std::size_t e, double delta) noexcept {
  const double t = w.F.talent[e];
  const double loss = w.output(e, t) - w.output(e, std::max(0.0, t - delta));
  return w.F.params[e].ai_value * loss / w.F.y_ref[e];
}

double willingness_to_pay(const Simulation::World& w, std::size_t f, std::int32_t r) noexcept {
  double wtp = marginal_value(w, f, w.delta(f, r));
  const std::int32_t e = w.R.employer[static_cast<std::size_t>(r)];
  if (e >= 0 && w.F.params[f].denial_weight > 0) {
    const auto& rivals = w.F.rivals[f];
    if (std::binary_search(rivals.begin(), rivals.end(), e)) {
      const auto ei = static_cast<std::size_t>(e);
      wtp += w.F.params[f].denial_weight * incumbent_loss(w, ei, w.delta(ei, r));
    }
  }
  return wtp;
}

double retention_ceiling(const Simulation::World& w, std::int32_t r) noexcept {
  const std::int32_t e = w.R.employer[static_cast<std::size_t>(r)];
  if (e < 0) return 0;
  const auto ei = static_cast<std::size_t>(e);
  return incumbent_loss(w, ei, w.delta(ei, r));
}

int peers_at(const Simulation::World& w, std::int32_t r, std::int32_t f) noexcept {
  int n = 0;
  const std::int32_t* employer = w.R.employer.data();
  for (const std::uint32_t q : w.net.neighbours(r)) n += employer[q] == f;
  return n;
}

double effective_money(const Simulation::World& w, std::int32_t r, std::size_t f,
                       double a) noexcept {
  const FirmParams& p = w.F.params[f];
  double money = a * (1.0 - p.equity_haircut * p.equity_share);
  const auto c = static_cast<std::size_t>(w.F.country[f]);
  if (w.F.country[f] == w.R.origin[static_cast<std::size_t>(r)]) money += w.C.retention_subsidy[c];
  return money;
}

double nonmoney_utility(const Simulation::World& w, std::int32_t r, std::size_t f,
                        bool outreach) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const FirmParams& p = w.F.params[f];
  const double per_head = w.F.compute[f] / std::max(1.0, static_cast<double>(w.F.headcount(f)));
  double u = w.R.w_compute[ri] * std::log1p(per_head) + w.R.w_mission[ri] * p.mission +
             w.R.w_peers[ri] * std::log1p(peers_at(w, r, static_cast<std::int32_t>(f)));
  const auto c = static_cast<std::size_t>(w.F.country[f]);
  if (w.F.country[f] == w.R.origin[ri]) {
    u += w.R.w_home[ri];
  } else {
    u -= w.C.visa_friction[c];
  }
  if (outreach) u += w.sc.market.outreach_bonus;
  return u;
}

double money_utility(const Simulation::World& w, std::int32_t r, std::size_t f, double a) noexcept {
  const double money = std::max(MIN_ANNUAL_VALUE, effective_money(w, r, f, a));
  return w.R.w_money[static_cast<std::size_t>(r)] * std::log(money);
}

double offer_utility(const Simulation::World& w, std::int32_t r, std::size_t f, double a,
                     bool outreach) noexcept {
  return money_utility(w, r, f, a) + nonmoney_utility(w, r, f, outreach);
}

double stay_money_utility(const Simulation::World& w, std::int32_t r, double raise) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const std::int32_t e = w.R.employer[ri];
  if (e < 0) return w.R.w_money[ri] * std::log(std::max(MIN_ANNUAL_VALUE, w.R.reservation[ri]));
  const auto ei = static_cast<std::size_t>(e);
  double money = 0;
  if (raise > 0) {
    money = effective_money(w, r, ei, raise);
  } else {
    const double h = w.contract_years();
    money = w.R.salary[ri] + w.R.signing[ri] / h +
            (1.0 - w.F.params[ei].equity_haircut) * w.R.equity[ri] / h;
    if (w.F.country[ei] == w.R.origin[ri]) {
      money += w.C.retention_subsidy[static_cast<std::size_t>(w.F.country[ei])];
    }
  }
  return w.R.w_money[ri] * std::log(std::max(MIN_ANNUAL_VALUE, money));
}

double stay_utility(const Simulation::World& w, std::int32_t r, double raise) noexcept {
  const std::int32_t e = w.R.employer[static_cast<std::size_t>(r)];
  const double rest = e < 0 ? 0.0 : nonmoney_utility(w, r, static_cast<std::size_t>(e), false);
  return stay_money_utility(w, r, raise) + rest;
}

double taste_shock(const Simulation::World& w, std::int32_t r, std::int32_t f) noexcept {
  const double beta = w.sc.market.taste_noise;
  if (beta <= 0) return 0;
  CounterRng rng(w.sc.run.seed, Stream::taste, static_cast<std::uint64_t>(w.step),
                 static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(f + 1));
  // u in (0, 1): avoid log(0).
  const double u = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
  return -beta * std::log(-std::log(u));
}

double value_for_utility(const Simulation::World& w, std::int32_t r, std::size_t f, double target,
                         bool outreach) noexcept {
  return value_given_rest(w, r, f, target, nonmoney_utility(w, r, f, outreach));
}

double value_given_rest(const Simulation::World& w, std::int32_t r, std::size_t f, double target,
                        double rest) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const double wm = w.R.w_money[ri];
  if (wm <= 1e-12) {
    return rest >= target ? MIN_ANNUAL_VALUE : std::numeric_limits<double>::infinity();
  }
  const double exponent = (target - rest) / wm;
  if (exponent > 700) return std::numeric_limits<double>::infinity();
  const double money = std::exp(exponent);
  const FirmParams& p = w.F.params[f];
  double subsidy = 0;
  if (w.F.country[f] == w.R.origin[ri]) {
    subsidy = w.C.retention_subsidy[static_cast<std::size_t>(w.F.country[f])];
  }
  const double a = (money - subsidy) / std::max(1e-9, 1.0 - p.equity_haircut * p.equity_share);
  return std::max(MIN_ANNUAL_VALUE, a);
}

double raised(const Simulation::World& w, double a) noexcept {
  return a * (1.0 + w.sc.market.bid_increment) + w.sc.market.bid_increment_usd;
}

}  // namespace talentsim::detail
