#include <algorithm>

#include "talentsim/scenario.hpp"

namespace talentsim {

std::string_view to_string(Protocol protocol) noexcept {
  return protocol == Protocol::auction ? "auction" : "posted_wage";
}

std::string_view to_string(NetworkSource source) noexcept {
  return source == NetworkSource::generated ? "generated" : "edge_list";
}

std::string_view to_string(EventOp op) noexcept {
  switch (op) {
    case EventOp::set:
      return "set";
    case EventOp::add:
      return "add";
    case EventOp::scale:
      return "scale";
  }
  return "set";
}

namespace {
template <class T, class Name>
std::int32_t index_by_name(const std::vector<T>& items, std::string_view name, Name get) {
  const auto it =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return get(item) == name; });
  return it == items.end() ? -1 : static_cast<std::int32_t>(it - items.begin());
}
}  // namespace

std::int32_t Scenario::country_index(std::string_view n) const noexcept {
  return index_by_name(countries, n, [](const Country& c) -> const std::string& { return c.name; });
}

std::int32_t Scenario::firm_index(std::string_view n) const noexcept {
  return index_by_name(firms, n, [](const Firm& f) -> const std::string& { return f.name; });
}

std::int32_t Scenario::field_index(std::string_view n) const noexcept {
  return index_by_name(fields, n, [](const std::string& f) -> const std::string& { return f; });
}

std::int64_t Scenario::initial_employed() const noexcept {
  std::int64_t n = 0;
  for (const Firm& f : firms) n += f.params.headcount;
  return n;
}

bool same_content(const Scenario& a, const Scenario& b) {
  // Every member except `source`; a new Scenario member must be added here.
  return a.name == b.name && a.description == b.description && a.run == b.run &&
         a.output == b.output && a.fields == b.fields && a.countries == b.countries &&
         a.defaults == b.defaults && a.named_firms == b.named_firms &&
         a.firm_groups == b.firm_groups && a.firms == b.firms && a.population == b.population &&
         a.pinned == b.pinned && a.network == b.network && a.market == b.market &&
         a.flows == b.flows && a.founders == b.founders && a.timeline == b.timeline;
}

}  // namespace talentsim
