#pragma once

#include <string_view>

namespace talentsim {

//! Program version (semantic versioning), e.g. "0.1.0".
std::string_view version() noexcept;
//! Git commit the binary was built from, "-dirty" appended for local changes.
std::string_view git_commit() noexcept;

}  // namespace talentsim
