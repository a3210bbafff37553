// libFuzzer target for the scenario loader: any bytes, with or without a
// --set override, must load or be refused with a user_error; anything else
// (a crash, a sanitizer report, another exception) is a bug.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "talentsim/errors.hpp"
#include "talentsim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const talentsim::Scenario s = talentsim::load_scenario_text(text, "fuzz.toml");
    // A scenario that loads must also print and reload (the resolved form).
    (void)talentsim::load_scenario_text(talentsim::to_toml(s), "resolved.toml");
  } catch (const talentsim::user_error&) {
  }
  // The same bytes as an override value.
  if (size < 4096) {
    try {
      (void)talentsim::load_scenario_text(
          "format_version = 1\nname = \"f\"\nfields = [\"a\"]\n[[countries]]\nname = \"X\"\n"
          "[population]\ncount = 10\norigin = \"X\"\n[[firms]]\nname = \"F\"\ncountry = \"X\"\n",
          "base.toml", {{"market.taste_noise", std::string(text)}});
    } catch (const talentsim::user_error&) {
    }
  }
  return 0;
}
