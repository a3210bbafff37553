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

// What a valuation reads of a firm, straight from the tables or from the
// step's OutputCache; the valuations below are written once for both.
struct DirectOutput {
  const State& s;
  double at(std::size_t f, double talent) const noexcept { return s.output(f, talent); }
  double now(std::size_t f) const noexcept { return s.output(f, s.F.talent[f]); }
  double talent(std::size_t f) const noexcept { return s.F.talent[f]; }
  double ai_value(std::size_t f) const noexcept { return s.F.params[f].ai_value; }
  double y_ref(std::size_t f) const noexcept { return s.F.y_ref[f]; }
  double denial_weight(std::size_t f) const noexcept { return s.F.params[f].denial_weight; }
};
struct CachedOutput {
  const OutputCache& c;
  double at(std::size_t f, double talent) const noexcept { return c.output(f, talent); }
  double now(std::size_t f) const noexcept { return c.firm[f].now; }
  double talent(std::size_t f) const noexcept { return c.firm[f].talent; }
  double ai_value(std::size_t f) const noexcept { return c.firm[f].ai_value; }
  double y_ref(std::size_t f) const noexcept { return c.firm[f].y_ref; }
  double denial_weight(std::size_t f) const noexcept { return c.firm[f].denial_weight; }
};

template <class Output>
double gain_value(const Output& out, std::size_t f, double delta) noexcept {
  const double gain = out.at(f, out.talent(f) + delta) - out.now(f);
  return out.ai_value(f) * gain / out.y_ref(f);
}

template <class Output>
double loss_value(const Output& out, std::size_t e, double delta) noexcept {
  const double loss = out.now(e) - out.at(e, std::max(0.0, out.talent(e) - delta));
  return out.ai_value(e) * loss / out.y_ref(e);
}

template <class Output>
double wtp_value(const State& s, const Output& out, std::size_t f, std::int32_t r) noexcept {
  double wtp = gain_value(out, f, s.delta(f, r));
  const std::int32_t e = s.R.employer[static_cast<std::size_t>(r)];
  const double denial = out.denial_weight(f);
  if (e >= 0 && denial > 0) {
    const auto& rivals = s.F.rivals[f];
    if (std::binary_search(rivals.begin(), rivals.end(), e)) {
      const auto ei = static_cast<std::size_t>(e);
      wtp += denial * loss_value(out, ei, s.delta(ei, r));
    }
  }
  return wtp;
}

}  // namespace

double marginal_value(const State& s, std::size_t f, double delta) noexcept {
  return gain_value(DirectOutput{s}, f, delta);
}

double incumbent_loss(const State& s, std::size_t e, double delta) noexcept {
  return loss_value(DirectOutput{s}, e, delta);
}

double willingness_to_pay(const State& s, std::size_t f, std::int32_t r) noexcept {
  return wtp_value(s, DirectOutput{s}, f, r);
}

void OutputCache::refresh(const State& s) {
  firm.resize(s.F.size());
  parallel_for(s.F.size(), [&](std::size_t f) { refresh(s, f); });
}

void OutputCache::refresh(const State& s, std::size_t f) {
  const FirmParams& p = s.F.params[f];
  Terms& t = firm[f];
  const double c = s.F.compute[f];
  t.tfp = p.tfp;
  t.alpha = p.alpha;
  // Positive exactly when C is (C^(1 - alpha) >= min(C, 1) > 0 for
  // 0 < alpha < 1): output() tests it where production() tests C.
  t.compute_term = c > 0 ? std::pow(c, 1.0 - p.alpha) : 0.0;
  t.talent = s.F.talent[f];
  t.now = output(f, t.talent);
  t.ai_value = p.ai_value;
  t.y_ref = s.F.y_ref[f];
  t.denial_weight = p.denial_weight;
}

double OutputCache::output(std::size_t f, double talent) const noexcept {
  // production(): tfp * talent^alpha * C^(1 - alpha), 0 unless both > 0.
  const Terms& t = firm[f];
  if (talent <= 0 || !(t.compute_term > 0)) return 0;
  return t.tfp * std::pow(talent, t.alpha) * t.compute_term;
}

double incumbent_loss(const OutputCache& c, std::size_t e, double delta) noexcept {
  return loss_value(CachedOutput{c}, e, delta);
}

double willingness_to_pay(const State& s, const OutputCache& c, std::size_t f,
                          std::int32_t r) noexcept {
  return wtp_value(s, CachedOutput{c}, f, r);
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

namespace {

// effective_money() from the firm's parameters and r's home subsidy there.
double effective_money_given(const FirmParams& p, double subsidy, double a) noexcept {
  return a * (1.0 - p.equity_haircut * p.equity_share) + subsidy;
}

}  // namespace

double effective_money(const State& s, std::int32_t r, std::size_t f, double a) noexcept {
  return effective_money_given(s.F.params[f], home_subsidy(s, r, f), a);
}

double log_compute_per_head(const State& s, std::size_t f) noexcept {
  const double per_head = s.F.compute[f] / std::max(1.0, static_cast<double>(s.F.headcount(f)));
  return std::log1p(per_head);
}

FirmAppeal firm_appeal(const State& s, std::size_t f) noexcept {
  return {log_compute_per_head(s, f), s.F.params[f].mission, 1.0 - s.F.params[f].equity_haircut,
          s.F.country[f]};
}

double nonmoney_utility_given(const State& s, std::int32_t r, std::size_t f,
                              const FirmAppeal& a) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  double u = s.R.w_compute[ri] * a.log_per_head + s.R.w_mission[ri] * a.mission +
             s.R.w_peers[ri] * std::log1p(peers_at(s, r, static_cast<std::int32_t>(f)));
  const auto c = static_cast<std::size_t>(a.country);
  if (a.country == s.R.origin[ri]) {
    u += s.R.w_home[ri] + s.C.home_pull[c];
  } else {
    u -= s.C.visa_friction[c];
  }
  return u;
}

double nonmoney_utility(const State& s, std::int32_t r, std::size_t f, bool outreach) noexcept {
  double u = nonmoney_utility_given(s, r, f, firm_appeal(s, f));
  if (outreach) u += s.sc.market.outreach_bonus;
  return u;
}

double money_utility(const State& s, std::int32_t r, std::size_t f, double a) noexcept {
  return money_utility_given(s.F.params[f], s.R.w_money[static_cast<std::size_t>(r)],
                             home_subsidy(s, r, f), a);
}

double money_utility_given(const FirmParams& p, double w_money, double subsidy, double a) noexcept {
  return w_money * std::log(std::max(MIN_ANNUAL_VALUE, effective_money_given(p, subsidy, a)));
}

double offer_utility(const State& s, std::int32_t r, std::size_t f, double a,
                     bool outreach) noexcept {
  return money_utility(s, r, f, a) + nonmoney_utility(s, r, f, outreach);
}

namespace {

// The annual money of r's current package at an employer whose equity r
// values at `equity_kept` (1 - haircut) in `country`.
double current_money(const State& s, std::size_t ri, double equity_kept,
                     std::int32_t country) noexcept {
  const double h = s.contract_years();
  double money = s.R.salary[ri] + s.R.signing[ri] / h + equity_kept * s.R.equity[ri] / h;
  if (country == s.R.origin[ri]) money += s.C.retention_subsidy[static_cast<std::size_t>(country)];
  return money;
}

}  // namespace

double stay_money_utility(const State& s, std::int32_t r, double raise) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const std::int32_t e = s.R.employer[ri];
  if (e < 0) return s.R.w_money[ri] * std::log(std::max(MIN_ANNUAL_VALUE, s.R.reservation[ri]));
  const auto ei = static_cast<std::size_t>(e);
  const double money =
      raise > 0 ? effective_money(s, r, ei, raise)
                : current_money(s, ri, 1.0 - s.F.params[ei].equity_haircut, s.F.country[ei]);
  return s.R.w_money[ri] * std::log(std::max(MIN_ANNUAL_VALUE, money));
}

double stay_money_utility_given(const State& s, std::int32_t r,
                                const FirmAppeal& employer) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  const double money = current_money(s, ri, employer.equity_kept, employer.country);
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
  return home_subsidy_in(s, r, s.F.country[f]);
}

double home_subsidy_in(const State& s, std::int32_t r, std::int32_t country) noexcept {
  if (country != s.R.origin[static_cast<std::size_t>(r)]) return 0.0;
  return s.C.retention_subsidy[static_cast<std::size_t>(country)];
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
