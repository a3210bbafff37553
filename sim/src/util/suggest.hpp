#pragma once
// "Did you mean" suggestions for misspelt names.

#include <string>
#include <string_view>
#include <vector>

namespace talentsim::detail {

//! Optimal string alignment distance (Levenshtein plus transpositions),
//! case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

//! The candidate closest to `word` if it is close enough to be a plausible
//! typo (distance <= max(1, len/3)), else empty.
std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates);

//! " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace talentsim::detail
