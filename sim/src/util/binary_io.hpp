#pragma once
// Little helpers for the checkpoint format: length-prefixed raw values and
// vectors, with a running FNV-1a checksum so that damage is detected.

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "talentsim/errors.hpp"

namespace talentsim::detail {

inline std::uint64_t fnv1a(const void* data, std::size_t n,
                           std::uint64_t h = 1469598103934665603ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

class BinaryWriter {
 public:
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const char*>(data);
    buffer_.insert(buffer_.end(), p, p + n);
  }
  template <class T>
  void value(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&x, sizeof x);
  }
  template <class T>
  void vector(const std::vector<T>& v) {
    value<std::uint64_t>(v.size());
    if (!v.empty()) bytes(v.data(), v.size() * sizeof(T));
  }
  void string(const std::string& s) {
    value<std::uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  template <class T>
  void nested(const std::vector<std::vector<T>>& v) {
    value<std::uint64_t>(v.size());
    for (const auto& x : v) vector(x);
  }
  std::vector<char>& buffer() noexcept { return buffer_; }

 private:
  std::vector<char> buffer_;
};

class BinaryReader {
 public:
  BinaryReader(const char* data, std::size_t size, std::string what)
      : data_(data), size_(size), what_(std::move(what)) {}
  void bytes(void* out, std::size_t n) {
    if (n > size_ - pos_) throw user_error(what_ + ": damaged or truncated checkpoint");
    std::memcpy(out, data_ + pos_, n);
    pos_ += n;
  }
  template <class T>
  T value() {
    T x;
    bytes(&x, sizeof x);
    return x;
  }
  template <class T>
  std::vector<T> vector() {
    const auto n = value<std::uint64_t>();
    if (n > (size_ - pos_) / std::max<std::size_t>(1, sizeof(T))) {
      throw user_error(what_ + ": damaged or truncated checkpoint");
    }
    std::vector<T> v(n);
    if (n > 0) bytes(v.data(), n * sizeof(T));
    return v;
  }
  std::string string() {
    const auto n = value<std::uint64_t>();
    if (n > size_ - pos_) throw user_error(what_ + ": damaged or truncated checkpoint");
    std::string s(data_ + pos_, n);
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<std::vector<T>> nested() {
    const auto n = value<std::uint64_t>();
    if (n > size_ - pos_) throw user_error(what_ + ": damaged or truncated checkpoint");
    std::vector<std::vector<T>> v(n);
    for (auto& x : v) x = vector<T>();
    return v;
  }
  std::size_t position() const noexcept { return pos_; }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace talentsim::detail
