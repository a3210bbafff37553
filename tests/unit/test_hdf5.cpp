// The chunks talentsim compresses itself (io/hdf5.cpp, encode_chunk) must be
// what HDF5's shuffle + deflate filters decode: zlib's inflate gives back
// the shuffled bytes, whatever mix of stored and deflated blocks the
// encoder chose.

#include <gtest/gtest.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "io/hdf5.hpp"

namespace talentsim {
namespace {

// The bytes of `values` in HDF5's shuffle order: byte plane after byte plane.
template <class T>
std::vector<unsigned char> shuffled(const std::vector<T>& values) {
  const std::size_t n = values.size(), size = sizeof(T);
  std::vector<unsigned char> raw(n * size), out(n * size);
  std::memcpy(raw.data(), values.data(), raw.size());
  for (std::size_t e = 0; e < n; ++e) {
    for (std::size_t b = 0; b < size; ++b) out[b * n + e] = raw[e * size + b];
  }
  return out;
}

template <class T>
std::vector<unsigned char> encode(const std::vector<T>& values, unsigned level) {
  return detail::h5::encode_chunk(reinterpret_cast<const unsigned char*>(values.data()),
                                  values.size(), sizeof(T), level);
}

// Inflates a zlib stream with zlib itself; fails the test unless the stream
// is complete and holds exactly `expected.size()` bytes.
std::vector<unsigned char> inflate_all(const std::vector<unsigned char>& stream,
                                       std::size_t expected) {
  std::vector<unsigned char> out(expected + 1);
  uLongf n = static_cast<uLongf>(out.size());
  const int rc = uncompress(out.data(), &n, stream.data(), static_cast<uLong>(stream.size()));
  EXPECT_EQ(rc, Z_OK);
  out.resize(n);
  return out;
}

template <class T>
void expect_round_trip(const std::vector<T>& values, unsigned level) {
  const auto stream = encode(values, level);
  EXPECT_EQ(inflate_all(stream, values.size() * sizeof(T)), shuffled(values));
}

TEST(Hdf5Chunks, RandomDoublesKeepTheirMantissaBytesStored) {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(1.0, 2.0);
  std::vector<double> values(65536);
  for (double& v : values) v = u(gen);
  expect_round_trip(values, 4);
  // Six of the eight planes are random mantissa bytes: stored (6/8 of the
  // raw size and 5 bytes of header per 64 KiB); the seventh holds four
  // random mantissa bits and four of the exponent, the eighth the rest of
  // the exponent: deflated to about half a plane.
  const auto stream = encode(values, 4);
  const std::size_t raw = values.size() * sizeof(double), plane = values.size();
  EXPECT_GT(stream.size(), 6 * plane + plane / 2);
  EXPECT_LT(stream.size(), 6 * plane + plane * 6 / 10);
  // At level 9 every plane is deflated, to the same size within 1%.
  expect_round_trip(values, 9);
  const auto nine = encode(values, 9);
  EXPECT_NE(nine, stream);
  EXPECT_LT(nine.size(), stream.size() + raw / 100);
  EXPECT_GT(nine.size(), stream.size() - raw / 100);
}

TEST(Hdf5Chunks, EveryPlaneRandomEndsWithAFinalStoredBlock) {
  std::mt19937_64 gen(11);
  std::vector<std::uint64_t> values(65536);
  for (auto& v : values) v = gen();
  expect_round_trip(values, 1);
  expect_round_trip(values, 6);
  const auto stream = encode(values, 4);
  EXPECT_LT(stream.size(), values.size() * 8 + values.size() * 8 / 65535 * 5 + 64);
}

TEST(Hdf5Chunks, SequencesAndRunsAreDeflatedNotStored) {
  // Even byte histograms but a regular sequence (ids 0, 1, 2, ...): the
  // differences give it away, so it is deflated and shrinks.
  std::vector<std::int32_t> ids(65536);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(i);
  expect_round_trip(ids, 4);
  EXPECT_LT(encode(ids, 4).size(), ids.size() * sizeof(std::int32_t) / 4);
  std::vector<double> zeros(65536, 0.0);
  expect_round_trip(zeros, 4);
  EXPECT_LT(encode(zeros, 4).size(), 2048u);
}

TEST(Hdf5Chunks, StoredPlanesOnlyUpToLevelSix) {
  // The heuristic's blind spot, on purpose: 4,096 random values repeated 16
  // times. Every byte plane has even bytes and even differences, so at
  // levels 1-6 all planes are stored; deflate would have found the
  // repeats, as it does at levels 7-9, where nothing is stored.
  std::mt19937_64 gen(5);
  std::vector<std::uint64_t> period(4096), values;
  for (auto& v : period) v = gen();
  for (int k = 0; k < 16; ++k) values.insert(values.end(), period.begin(), period.end());
  const std::size_t raw = values.size() * sizeof(std::uint64_t);
  for (const unsigned level : {1u, 4u, 6u}) {
    expect_round_trip(values, level);
    EXPECT_GT(encode(values, level).size(), raw) << "level " << level;
  }
  for (const unsigned level : {7u, 9u}) {
    expect_round_trip(values, level);
    EXPECT_LT(encode(values, level).size(), raw / 4) << "level " << level;
  }
}

// With no plane stored, encode_chunk writes the zlib header and trailer
// itself around libdeflate's raw stream: the same bytes as libdeflate's own
// zlib stream.
TEST(Hdf5Chunks, WithNoPlaneStoredTheStreamIsLibdeflates) {
  std::vector<std::int32_t> ids(65536);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(i * 7 % 1000);
  for (const unsigned level : {1u, 4u, 6u, 9u}) {
    const auto bytes = shuffled(ids);
    libdeflate_compressor* c = libdeflate_alloc_compressor(static_cast<int>(level));
    std::vector<unsigned char> own(libdeflate_zlib_compress_bound(c, bytes.size()));
    own.resize(libdeflate_zlib_compress(c, bytes.data(), bytes.size(), own.data(), own.size()));
    libdeflate_free_compressor(c);
    EXPECT_EQ(encode(ids, level), own) << "level " << level;
  }
}

TEST(Hdf5Chunks, SmallAndOneByteChunks) {
  std::mt19937_64 gen(3);
  std::vector<double> few(100);
  for (double& v : few) v = static_cast<double>(gen() % 1000) / 7.0;
  expect_round_trip(few, 4);
  std::vector<std::int8_t> bytes(70000);
  for (auto& b : bytes) b = static_cast<std::int8_t>(gen() % 5);
  expect_round_trip(bytes, 4);
  // Random doubles spread over more than one stored block per plane.
  std::vector<double> many(100000);
  for (double& v : many) v = static_cast<double>(gen()) * 0x1.0p-64;
  expect_round_trip(many, 3);
}

}  // namespace
}  // namespace talentsim
