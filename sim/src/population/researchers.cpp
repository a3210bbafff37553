#include "talentsim/state.hpp"

namespace talentsim {

void ResearcherTable::reserve(std::size_t n) {
  for (auto* v : {&skill, &w_money, &w_compute, &w_mission, &w_peers, &w_home, &switch_cost,
                  &reservation, &salary, &signing, &equity}) {
    v->reserve(n);
  }
  field.reserve(n);
  origin.reserve(n);
  for (auto* v : {&entered_step, &employer, &hired_step, &slot}) v->reserve(n);
}

std::int32_t ResearcherTable::push_back(double s, std::uint8_t f, std::int16_t o,
                                        std::int32_t step) {
  const auto id = static_cast<std::int32_t>(skill.size());
  skill.push_back(s);
  field.push_back(f);
  origin.push_back(o);
  entered_step.push_back(step);
  for (auto* v : {&w_money, &w_compute, &w_mission, &w_peers, &w_home, &switch_cost, &reservation,
                  &salary, &signing, &equity}) {
    v->push_back(0.0);
  }
  employer.push_back(NO_FIRM);
  hired_step.push_back(step);
  slot.push_back(-1);
  return id;
}

}  // namespace talentsim
