#include "engine/firm_columns.hpp"
#include "talentsim/state.hpp"

namespace talentsim {

void ResearcherTable::reserve(std::size_t n) {
  detail::researcher_columns(
      *this, [n](const char*, const char*, auto& column, unsigned) { column.reserve(n); });
}

std::int32_t ResearcherTable::push_back(double s, std::uint8_t f, std::int16_t o,
                                        std::int32_t step) {
  const auto id = static_cast<std::int32_t>(skill.size());
  // Every column gets an entry (zero), then the ones a researcher starts with.
  detail::researcher_columns(
      *this, [](const char*, const char*, auto& column, unsigned) { column.emplace_back(); });
  skill.back() = s;
  field.back() = f;
  origin.back() = o;
  study.back() = o;
  entered_step.back() = step;
  employer.back() = NO_FIRM;
  hired_step.back() = step;
  slot.back() = -1;
  return id;
}

}  // namespace talentsim
