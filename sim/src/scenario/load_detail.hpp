#pragma once
// Pieces of the scenario loader shared between its source files.

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "scenario/reader.hpp"
#include "talentsim/scenario.hpp"

namespace talentsim::detail {

//! What the firm readers need to know about the rest of the scenario.
struct FirmContext {
  std::string file;
  std::vector<std::string> fields;
  std::vector<std::string> countries;
  std::vector<std::string> firm_names;   //!< named firms
  std::vector<std::string> group_names;  //!< firm groups
};

//! Reads `defaults.firm` and `defaults.<kind>` over the built-in defaults.
FirmDefaults read_firm_defaults(const toml::table* defaults, const FirmContext& ctx,
                                const std::string& file);

//! Reads `[[firms]]` and `[[firm_groups]]` into `s.named_firms` and
//! `s.firm_groups`, then realises the firm table `s.firms` with the seed.
void read_firms(Reader& root, Scenario& s, const FirmContext& ctx);

//! Applies `--set` overrides to the parsed document; returns the key path
//! each one set, in the notation of the loader's messages.
std::vector<std::string> apply_overrides(toml::table& doc, const std::vector<Override>& overrides);

//! What a timeline change does to a value: set, add or scale it.
inline double apply_change(EventOp op, double current, double value) noexcept {
  switch (op) {
    case EventOp::set:
      return value;
    case EventOp::add:
      return current + value;
    case EventOp::scale:
      return current * value;
  }
  return current;
}

//! Index of a firm parameter in firm_real_params() / firm_int_params(), or -1.
int real_param_index(std::string_view name);
int int_param_index(std::string_view name);

//! Member pointers of the parameters named by firm_real_params() / firm_int_params().
double FirmParams::*firm_real_member(int index);
std::int64_t FirmParams::*firm_int_member(int index);

//! Names a firm kind accepts; throws via the reader on an unknown one.
FirmKind parse_kind(Reader& r, std::string_view key);

//! Realised numeric parameters of one firm.
FirmParams realise_params(const FirmSpec& spec, std::uint64_t seed, std::uint64_t a,
                          std::uint64_t b);

}  // namespace talentsim::detail
