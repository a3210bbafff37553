# Runs at build time: writes the version source only when the commit changed,
# so the binary always reports the commit it was built from.
execute_process(COMMAND git -C "${SRC_DIR}" rev-parse --short=12 HEAD
  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
else()
  execute_process(COMMAND git -C "${SRC_DIR}" status --porcelain --untracked-files=no
    OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT dirty STREQUAL "")
    set(commit "${commit}-dirty")
  endif()
endif()
set(content "// Generated at build time by cmake/version.cmake; do not edit.
#include \"talentsim/version.hpp\"
namespace talentsim {
std::string_view version() noexcept { return \"${VERSION}\"; }
std::string_view git_commit() noexcept { return \"${commit}\"; }
}  // namespace talentsim
")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUT}" "${content}")
endif()
