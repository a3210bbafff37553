#pragma once
//! Error families of talentsim: a user_error is bad input (exit status 2), an
//! io_error a runtime or I/O failure (exit status 1), an internal_error a bug.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace talentsim {

//! A bug in talentsim: an invariant that should hold did not.
class internal_error : public std::logic_error {
 public:
  explicit internal_error(const std::string& what) : std::logic_error(what) {}
};

//! Bad input from the user: command line, scenario, sweep file or input file.
class user_error : public std::runtime_error {
 public:
  explicit user_error(const std::string& what) : std::runtime_error(what) {}
};

//! A runtime or I/O failure that is not the user's input (disk full, ...).
class io_error : public std::runtime_error {
 public:
  explicit io_error(const std::string& what) : std::runtime_error(what) {}
};

//! A mistake in a scenario, with where it is: file, line and column (1-based;
//! 0 when unknown) and the key path in `--set` notation.
class scenario_error : public user_error {
 public:
  scenario_error(std::string file, std::uint32_t line, std::uint32_t column, std::string key,
                 std::string message);

  const std::string& file() const noexcept { return file_; }
  std::uint32_t line() const noexcept { return line_; }
  std::uint32_t column() const noexcept { return column_; }
  //! Key path such as `firms.Meta.cash`; empty for file-level errors.
  const std::string& key() const noexcept { return key_; }
  //! The message without the location prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  std::uint32_t line_;
  std::uint32_t column_;
  std::string key_;
  std::string message_;
};

}  // namespace talentsim
