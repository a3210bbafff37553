#include <algorithm>

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
  grow(1, step);
  skill.back() = s;
  field.back() = f;
  origin.back() = o;
  study.back() = o;
  return id;
}

void ResearcherTable::grow(std::size_t n, std::int32_t step) {
  // Every column gets n entries (zero), then the ones a researcher without
  // a job starts with.
  const std::size_t first = size();
  detail::researcher_columns(*this, [n](const char*, const char*, auto& column, unsigned) {
    column.resize(column.size() + n);
  });
  std::fill(entered_step.begin() + static_cast<std::ptrdiff_t>(first), entered_step.end(), step);
  std::fill(employer.begin() + static_cast<std::ptrdiff_t>(first), employer.end(), NO_FIRM);
  std::fill(hired_step.begin() + static_cast<std::ptrdiff_t>(first), hired_step.end(), step);
  std::fill(slot.begin() + static_cast<std::ptrdiff_t>(first), slot.end(), -1);
}

}  // namespace talentsim
