#include "metrics/tracker.hpp"

#include <algorithm>
#include <cmath>

namespace talentsim::detail {
namespace {
const double LOG_LOW = std::log(PayHistogram::LOW);
const double LOG_STEP =
    (std::log(PayHistogram::HIGH) - std::log(PayHistogram::LOW)) / PayHistogram::BINS;
}  // namespace

PayHistogram::PayHistogram() : counts_(BINS, 0), sums_(BINS, 0.0) {}

int PayHistogram::bin(double value) const noexcept {
  if (!(value > LOW)) return 0;
  const int b = static_cast<int>((std::log(value) - LOG_LOW) / LOG_STEP);
  return std::clamp(b, 0, BINS - 1);
}

void PayHistogram::add(double value) {
  const int b = bin(value);
  ++counts_[static_cast<std::size_t>(b)];
  sums_[static_cast<std::size_t>(b)] += value;
  ++total_count_;
}

void PayHistogram::remove(double value) {
  const auto b = static_cast<std::size_t>(bin(value));
  --counts_[b];
  sums_[b] = counts_[b] == 0 ? 0.0 : sums_[b] - value;
  --total_count_;
}

double PayHistogram::quantile(double q) const noexcept {
  if (total_count_ == 0) return 0;
  const double target = q * static_cast<double>(total_count_);
  double seen = 0;
  for (int b = 0; b < BINS; ++b) {
    const auto c = static_cast<double>(counts_[static_cast<std::size_t>(b)]);
    if (c == 0) continue;
    if (seen + c >= target) {
      if (c == 1 || b == 0 || b == BINS - 1) return sums_[static_cast<std::size_t>(b)] / c;
      const double frac = std::clamp((target - seen) / c, 0.0, 1.0);
      return std::exp(LOG_LOW + (b + frac) * LOG_STEP);
    }
    seen += c;
  }
  return 0;
}

double PayHistogram::gini() const noexcept {
  if (total_count_ == 0) return 0;
  double total = 0;
  for (double s : sums_) total += s;
  if (total <= 0) return 0;
  // G = 1 - sum_k p_k (L_{k-1} + L_k) over bins in increasing order.
  double cum = 0, g = 0;
  const auto n = static_cast<double>(total_count_);
  for (int b = 0; b < BINS; ++b) {
    const auto i = static_cast<std::size_t>(b);
    if (counts_[i] == 0) continue;
    const double before = cum / total;
    cum += sums_[i];
    g += (static_cast<double>(counts_[i]) / n) * (before + cum / total);
  }
  return std::clamp(1.0 - g, 0.0, 1.0);
}

void MetricsTracker::reset(std::size_t countries) {
  pay_ = PayHistogram();
  top_ = {};
  countries_ = countries;
  employed_.assign(countries * countries, 0);
  present_.assign(countries, 0);
}

void MetricsTracker::employ(std::int32_t r, int origin, int where, double value) {
  pay_.add(value);
  top_.push_back({value, r});
  std::push_heap(top_.begin(), top_.end());
  ++employed_[static_cast<std::size_t>(origin) * countries_ + static_cast<std::size_t>(where)];
}

void MetricsTracker::unemploy(int origin, int where, double value) {
  pay_.remove(value);
  --employed_[static_cast<std::size_t>(origin) * countries_ + static_cast<std::size_t>(where)];
}

void MetricsTracker::presence(int origin, int delta) {
  present_[static_cast<std::size_t>(origin)] += delta;
}

void PayHistogram::save(BinaryWriter& out) const {
  out.vector(counts_);
  out.vector(sums_);
  out.value(total_count_);
}

void PayHistogram::load(BinaryReader& in) {
  counts_ = in.vector<std::int64_t>();
  sums_ = in.vector<double>();
  total_count_ = in.value<std::int64_t>();
  if (counts_.size() != static_cast<std::size_t>(BINS) || sums_.size() != counts_.size()) {
    throw user_error("damaged checkpoint (pay histogram)");
  }
}

void MetricsTracker::save(BinaryWriter& out) const {
  pay_.save(out);
  out.vector(top_);
  out.value<std::uint64_t>(countries_);
  out.vector(employed_);
  out.vector(present_);
}

void MetricsTracker::load(BinaryReader& in) {
  pay_.load(in);
  top_ = in.vector<Top>();
  countries_ = in.value<std::uint64_t>();
  employed_ = in.vector<std::int64_t>();
  present_ = in.vector<std::int64_t>();
}

bool MetricsTracker::consistent(std::size_t researchers, std::size_t countries) const noexcept {
  if (countries_ != countries || present_.size() != countries ||
      employed_.size() != countries * countries) {
    return false;
  }
  return std::all_of(top_.begin(), top_.end(), [&](const Top& t) {
    return t.researcher >= 0 && static_cast<std::size_t>(t.researcher) < researchers;
  });
}

}  // namespace talentsim::detail
