#include "talentsim/errors.hpp"

namespace talentsim {
namespace {

std::string format_location(const std::string& file, std::uint32_t line, std::uint32_t column,
                            const std::string& key, const std::string& message) {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

}  // namespace

scenario_error::scenario_error(std::string file, std::uint32_t line, std::uint32_t column,
                               std::string key, std::string message)
    : user_error(format_location(file, line, column, key, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      message_(std::move(message)) {}

}  // namespace talentsim
