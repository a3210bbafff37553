#include "io/hdf5.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "talentsim/errors.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail::h5 {

namespace {

// The innermost message on this thread's HDF5 error stack: the cause (for
// a failed system call, its strerror text: "No space left on device").
herr_t innermost(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n == 0 && err != nullptr && err->desc != nullptr) *out = err->desc;
  return 0;
}

std::string cause() {
  std::string desc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &desc);
  H5Eclear2(H5E_DEFAULT);
  const std::string key = "error message = '";
  if (const auto at = desc.find(key); at != std::string::npos) {
    const auto end = desc.find('\'', at + key.size());
    return desc.substr(at + key.size(), end == std::string::npos ? end : end - at - key.size());
  }
  // HDF5's own descriptions end in details (time, addresses) nobody needs.
  if (const auto colon = desc.find(':'); colon != std::string::npos) desc.resize(colon);
  return desc;
}

[[noreturn]] void fail(std::string_view what) {
  const std::string why = cause();
  throw io_error("HDF5: " + std::string(what) + " failed" + (why.empty() ? "" : ": " + why));
}

// File access: close every object with the file (a failed run cannot leave
// one open for the library's exit handler), and no HDF5 file locking: a
// run's output is locked by talentsim itself (util/files.hpp) before HDF5
// opens it.
Handle writer_access() {
  Handle fapl(check_id(H5Pcreate(H5P_FILE_ACCESS), "file access properties"), H5Pclose);
  check(H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG), "close degree");
  // The HDF5 1.10 format: checksums on all metadata (superblock, object
  // headers, chunk indices), so a damaged file is an error, not a crash.
  check(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_V110), "format version");
  check(H5Pset_file_locking(fapl.id(), false, true), "file locking");
  return fapl;
}

// Links of every group are kept in the group's own (checksummed) object
// header rather than in "dense" storage, whose fractal heap blocks carry no
// checksum: HDF5 1.10 crashes while iterating a damaged dense link table
// (H5G__link_release_table). talentsim's groups hold a few dozen members.
constexpr unsigned MAX_COMPACT_LINKS = 1024, MIN_DENSE_LINKS = 1000;

}  // namespace

void check(herr_t status, std::string_view what) {
  if (status < 0) fail(what);
}

hid_t check_id(hid_t id, std::string_view what) {
  if (id < 0) fail(what);
  return id;
}

void Handle::close() {
  if (id_ >= 0) {
    const herr_t status = close_(id_);
    id_ = H5I_INVALID_HID;
    check(status, "closing a handle");
  }
}

void Handle::reset() noexcept {
  if (id_ >= 0) close_(id_);
  id_ = H5I_INVALID_HID;
}

void no_exit_handler() {
  H5dont_atexit();
}

void shutdown() {
  H5close();
}

void quiet_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Handle create_file(const std::string& path) {
  quiet_errors();
  Handle fapl = writer_access();
  Handle fcpl(check_id(H5Pcreate(H5P_FILE_CREATE), "file creation properties"), H5Pclose);
  check(H5Pset_link_phase_change(fcpl.id(), MAX_COMPACT_LINKS, MIN_DENSE_LINKS), "link storage");
  return {
      check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id()), "creating " + path),
      H5Fclose};
}

int file_descriptor(hid_t file) {
  void* handle = nullptr;
  check(H5Fget_vfd_handle(file, H5P_DEFAULT, &handle), "file descriptor");
  return handle != nullptr ? *static_cast<int*>(handle) : -1;
}

Handle open_file(const std::string& path) {
  quiet_errors();
  return {check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + path),
          H5Fclose};
}

Handle open_file_rw(const std::string& path) {
  quiet_errors();
  Handle fapl = writer_access();
  return {check_id(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id()), "opening " + path), H5Fclose};
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle gcpl(check_id(H5Pcreate(H5P_GROUP_CREATE), "group creation properties"), H5Pclose);
  check(H5Pset_link_phase_change(gcpl.id(), MAX_COMPACT_LINKS, MIN_DENSE_LINKS), "link storage");
  return {check_id(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT),
                   "creating group " + name),
          H5Gclose};
}

Handle open_dataset(hid_t parent, const std::string& name) {
  return {check_id(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "opening dataset " + name),
          H5Dclose};
}

template <class T>
Handle create_dataset(hid_t parent, const std::string& name, std::vector<hsize_t> dims,
                      std::vector<hsize_t> chunk, int gzip, T fill, bool grow_columns) {
  std::vector<hsize_t> max = dims;
  max[0] = H5S_UNLIMITED;
  if (grow_columns && max.size() > 1) max[1] = H5S_UNLIMITED;
  Handle space(check_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max.data()),
                        "dataspace for " + name),
               H5Sclose);
  Handle plist(check_id(H5Pcreate(H5P_DATASET_CREATE), "property list"), H5Pclose);
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = std::max<hsize_t>(1, chunk[i]);
  check(H5Pset_chunk(plist.id(), static_cast<int>(chunk.size()), chunk.data()), "chunking");
  check(H5Pset_fill_value(plist.id(), native_type<T>(), &fill), "fill value");
  if (gzip > 0) {
    check(H5Pset_shuffle(plist.id()), "shuffle filter");
    check(H5Pset_deflate(plist.id(), static_cast<unsigned>(gzip)), "gzip filter");
  }
  return {check_id(H5Dcreate2(parent, name.c_str(), native_type<T>(), space.id(), H5P_DEFAULT,
                              plist.id(), H5P_DEFAULT),
                   "creating dataset " + name),
          H5Dclose};
}

namespace {

// How a dataset's chunks are stored, when talentsim can write them itself:
// chunked, rank 1 or 2, filters exactly shuffle + deflate (what
// create_dataset sets up).
struct ChunkLayout {
  int rank = 0;
  hsize_t chunk[2] = {1, 1};
  unsigned level = 0;
};

bool direct_layout(hid_t plist, ChunkLayout& layout) {
  if (H5Pget_layout(plist) != H5D_CHUNKED) return false;
  layout.rank = H5Pget_chunk(plist, 2, layout.chunk);
  if (layout.rank < 1 || layout.rank > 2 || H5Pget_nfilters(plist) != 2) return false;
  bool shuffle = false, deflate = false;
  for (unsigned k = 0; k < 2; ++k) {
    unsigned flags = 0, config = 0;
    std::size_t n = 1;
    unsigned values[1] = {0};
    const H5Z_filter_t id = H5Pget_filter2(plist, k, &flags, &n, values, 0, nullptr, &config);
    if (id == H5Z_FILTER_SHUFFLE && k == 0) shuffle = true;
    if (id == H5Z_FILTER_DEFLATE && k == 1 && n >= 1) {
      deflate = true;
      layout.level = values[0];
    }
  }
  return shuffle && deflate;
}

// libdeflate's compressor for `level`, one per thread (each holds a few
// hundred KiB).
libdeflate_compressor* compressor(unsigned level) {
  struct Cached {
    libdeflate_compressor* c = nullptr;
    unsigned level = 0;
    ~Cached() { libdeflate_free_compressor(c); }
  };
  thread_local Cached cached;
  if (cached.c == nullptr || cached.level != level) {
    libdeflate_free_compressor(cached.c);
    cached.c = libdeflate_alloc_compressor(static_cast<int>(level));
    cached.level = level;
    if (cached.c == nullptr) throw io_error("libdeflate: no compressor for this level");
  }
  return cached.c;
}

// True when deflate cannot be expected to shrink these bytes: both the
// bytes and their differences from the byte before are spread almost
// evenly over the 256 values (order-0 entropy of each at least 7.9 bits a
// byte; a Huffman code saves at most 1.25%), as the low bytes of a float's
// mantissa are. The differences catch runs and sequences (0, 1, 2, ... is
// even but compresses well); what neither catches compresses only through
// repeated strings, which such bytes rarely hold.
bool looks_random(const unsigned char* p, std::size_t n) {
  if (n < 4096) return false;
  std::uint32_t bytes[256] = {}, steps[256] = {};
  unsigned char before = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ++bytes[p[i]];
    ++steps[static_cast<unsigned char>(p[i] - before)];
    before = p[i];
  }
  const auto bits = [n](const std::uint32_t* count) {
    double h = 0;
    for (int v = 0; v < 256; ++v) {
      if (count[v] == 0) continue;
      const double q = static_cast<double>(count[v]) / static_cast<double>(n);
      h -= q * std::log2(q);
    }
    return h;
  };
  return bits(bytes) >= 7.9 && bits(steps) >= 7.9;
}

}  // namespace

// A zlib stream (RFC 1950) is a 2-byte header, deflate blocks (RFC 1951) and
// the Adler-32 of the data. The shuffled chunk is byte plane after byte
// plane, least significant first; the leading planes that look random (the
// low bytes of a float's mantissa, of an id) go into stored blocks, copied
// as they are, and the rest is deflated by libdeflate as one raw deflate
// stream, which starts on a byte boundary where the stored blocks end and
// holds the final block. A reader's inflate sees one stream either way.
std::vector<unsigned char> encode_chunk(const unsigned char* raw, std::size_t elements,
                                        std::size_t size, unsigned level) {
  const std::size_t total = elements * size;
  std::vector<unsigned char> shuffled(total);
  if (size == 1) {
    std::copy_n(raw, elements, shuffled.begin());
  } else {
    for (std::size_t e = 0; e < elements; ++e) {
      for (std::size_t b = 0; b < size; ++b) shuffled[b * elements + e] = raw[e * size + b];
    }
  }
  libdeflate_compressor* c = compressor(level);
  // Leading planes stored as they are; at levels 7-9, where the user asks
  // for the smallest file whatever it costs, every plane is deflated.
  std::size_t planes = 0;
  if (size > 1 && level <= 6) {
    while (planes < size && looks_random(shuffled.data() + planes * elements, elements)) ++planes;
  }
  constexpr std::size_t STORED_MAX = 65535;  // bytes in one stored block
  const std::size_t stored = planes * elements, rest = total - stored;
  const std::size_t blocks = (stored + STORED_MAX - 1) / STORED_MAX;
  std::vector<unsigned char> out(2 + blocks * 5 + stored +
                                 (rest > 0 ? libdeflate_deflate_compress_bound(c, rest) : 0) + 4);
  // Header: deflate with a 32 KiB window (0x78), the level hint libdeflate's
  // own zlib header carries, and the check bits that make the pair a
  // multiple of 31. With no plane stored the stream is byte for byte what
  // libdeflate_zlib_compress makes (tests/unit/test_hdf5.cpp).
  const unsigned hint = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
  unsigned flags = hint << 6;
  flags += 31 - (0x78u * 256 + flags) % 31;
  std::size_t at = 0;
  out[at++] = 0x78;
  out[at++] = static_cast<unsigned char>(flags);
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t lo = b * STORED_MAX, len = std::min(STORED_MAX, stored - lo);
    const bool last = rest == 0 && b + 1 == blocks;
    out[at++] = last ? 1 : 0;  // BFINAL, BTYPE = 00 (stored), then padding to the byte
    out[at++] = static_cast<unsigned char>(len & 0xff);
    out[at++] = static_cast<unsigned char>(len >> 8);
    out[at++] = static_cast<unsigned char>(~len & 0xff);
    out[at++] = static_cast<unsigned char>((~len >> 8) & 0xff);
    std::memcpy(out.data() + at, shuffled.data() + lo, len);
    at += len;
  }
  if (rest > 0) {
    const std::size_t n = libdeflate_deflate_compress(c, shuffled.data() + stored, rest,
                                                      out.data() + at, out.size() - at - 4);
    if (n == 0) throw io_error("libdeflate: compressing a chunk failed");
    at += n;
  }
  const std::uint32_t check = libdeflate_adler32(1, shuffled.data(), total);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out[at++] = static_cast<unsigned char>((check >> shift) & 0xff);
  }
  out.resize(at);
  return out;
}

template <class T>
void write_block(hid_t dataset, const T* data, std::vector<hsize_t> start,
                 std::vector<hsize_t> count, bool parallel) {
  Handle space(check_id(H5Dget_space(dataset), "dataspace"), H5Sclose);
  std::vector<hsize_t> dims(start.size());
  check(H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr), "extent");
  const std::vector<hsize_t> old_dims = dims;
  bool grow = false;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (start[i] + count[i] > dims[i]) {
      dims[i] = start[i] + count[i];
      grow = true;
    }
  }
  if (grow) {
    check(H5Dset_extent(dataset, dims.data()), "growing a dataset");
    space = Handle(check_id(H5Dget_space(dataset), "dataspace"), H5Sclose);
  }
  if (std::any_of(count.begin(), count.end(), [](hsize_t c) { return c == 0; })) return;
  Handle mem(check_id(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                      "memory space"),
             H5Sclose);
  // Writes the part [lo, lo + n) of the block through HDF5's own pipeline.
  const auto write_part = [&](const std::vector<hsize_t>& lo, const std::vector<hsize_t>& n) {
    std::vector<hsize_t> offset(lo.size());
    for (std::size_t d = 0; d < lo.size(); ++d) offset[d] = lo[d] - start[d];
    check(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, lo.data(), nullptr, n.data(), nullptr),
          "selecting a block");
    check(H5Sselect_hyperslab(mem.id(), H5S_SELECT_SET, offset.data(), nullptr, n.data(), nullptr),
          "selecting memory");
    check(H5Dwrite(dataset, native_type<T>(), mem.id(), space.id(), H5P_DEFAULT, data),
          "writing a block");
  };
  Handle plist(check_id(H5Dget_create_plist(dataset), "creation property list"), H5Pclose);
  ChunkLayout layout;
  if (!direct_layout(plist.id(), layout) || static_cast<std::size_t>(layout.rank) != start.size()) {
    write_part(start, count);
    return;
  }
  // Datasets here are only ever appended to, so a chunk holds earlier data
  // exactly when it reaches into the extent before this write. Chunks that
  // hold no earlier data are encoded here (on the TBB threads when `parallel`), and
  // stored whole with H5Dwrite_chunk (their elements outside the block get
  // the fill value, as HDF5 would give them); chunks that already hold data
  // (the first one after a partial flush) go through H5Dwrite.
  const int rank = layout.rank;
  const hsize_t c0 = layout.chunk[0], c1 = rank == 2 ? layout.chunk[1] : 1;
  const hsize_t s1 = rank == 2 ? start[1] : 0, n1 = rank == 2 ? count[1] : 1;
  const hsize_t first0 = start[0] / c0, last0 = (start[0] + count[0] - 1) / c0;
  const hsize_t first1 = s1 / c1, last1 = (s1 + n1 - 1) / c1;
  struct Chunk {
    hsize_t origin[2];
    bool direct;
    std::vector<unsigned char> bytes;
  };
  std::vector<Chunk> chunks;
  for (hsize_t i = first0; i <= last0; ++i) {
    for (hsize_t j = first1; j <= last1; ++j) {
      const hsize_t o0 = i * c0, o1 = j * c1;
      const bool old = o0 < old_dims[0] && (rank == 1 || o1 < old_dims[1]);
      chunks.push_back({{o0, o1}, !old, {}});
    }
  }
  T fill{};
  check(H5Pget_fill_value(plist.id(), native_type<T>(), &fill), "fill value");
  const auto encode = [&](std::size_t k) {
    Chunk& c = chunks[k];
    if (!c.direct) return;
    std::vector<T> raw(static_cast<std::size_t>(c0 * c1), fill);
    const hsize_t r_lo = std::max(c.origin[0], start[0]);
    const hsize_t r_hi = std::min(c.origin[0] + c0, start[0] + count[0]);
    const hsize_t k_lo = std::max(c.origin[1], s1), k_hi = std::min(c.origin[1] + c1, s1 + n1);
    for (hsize_t r = r_lo; r < r_hi; ++r) {
      std::copy_n(data + (r - start[0]) * n1 + (k_lo - s1), k_hi - k_lo,
                  raw.data() + (r - c.origin[0]) * c1 + (k_lo - c.origin[1]));
    }
    c.bytes = encode_chunk(reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                           sizeof(T), layout.level);
  };
  if (parallel) {
    detail::parallel_for(chunks.size(), encode);
  } else {
    for (std::size_t k = 0; k < chunks.size(); ++k) encode(k);
  }
  for (const Chunk& c : chunks) {
    if (c.direct) {
      check(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, c.origin, c.bytes.size(), c.bytes.data()),
            "writing a chunk");
      continue;
    }
    std::vector<hsize_t> lo(start.size()), n(start.size());
    lo[0] = std::max(c.origin[0], start[0]);
    n[0] = std::min(c.origin[0] + c0, start[0] + count[0]) - lo[0];
    if (rank == 2) {
      lo[1] = std::max(c.origin[1], s1);
      n[1] = std::min(c.origin[1] + c1, s1 + n1) - lo[1];
    }
    write_part(lo, n);
  }
}

template <class T>
void write_vector(hid_t parent, const std::string& name, const std::vector<T>& data, int gzip) {
  const hsize_t n = data.size();
  // Created empty and grown by the write, so write_block encodes whole chunks itself.
  Handle ds = create_dataset<T>(parent, name, {0}, {std::clamp<hsize_t>(n, 1, 65536)}, gzip);
  write_block<T>(ds.id(), data.data(), {0}, {n});
  ds.close();
}

#define TALENTSIM_H5_INSTANTIATE(T)                                                                \
  template Handle create_dataset<T>(hid_t, const std::string&, std::vector<hsize_t>,               \
                                    std::vector<hsize_t>, int, T, bool);                           \
  template void write_block<T>(hid_t, const T*, std::vector<hsize_t>, std::vector<hsize_t>, bool); \
  template void write_vector<T>(hid_t, const std::string&, const std::vector<T>&, int);
TALENTSIM_H5_INSTANTIATE(double)
TALENTSIM_H5_INSTANTIATE(std::int64_t)
TALENTSIM_H5_INSTANTIATE(std::int32_t)
TALENTSIM_H5_INSTANTIATE(std::int16_t)
TALENTSIM_H5_INSTANTIATE(std::int8_t)
TALENTSIM_H5_INSTANTIATE(std::uint8_t)
#undef TALENTSIM_H5_INSTANTIATE

namespace {

// Strings are written fixed-length (UTF-8, null-padded): variable-length
// strings live in HDF5's global heap, which has no checksum and which HDF5
// 1.10 reads without bounds checks, so one flipped bit there crashes every
// reader (h5py too). Fixed-length strings are stored in checksummed
// metadata (attributes) or plain contiguous data (datasets).
Handle fixed_string_type(std::size_t size) {
  Handle t(check_id(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  check(H5Tset_size(t.id(), std::max<std::size_t>(1, size)), "string size");
  check(H5Tset_strpad(t.id(), H5T_STR_NULLPAD), "string padding");
  check(H5Tset_cset(t.id(), H5T_CSET_UTF8), "string charset");
  return t;
}

// Reading files of schema 1, whose strings are variable-length.
Handle vlen_string_type() {
  Handle t(check_id(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  check(H5Tset_size(t.id(), H5T_VARIABLE), "string size");
  check(H5Tset_cset(t.id(), H5T_CSET_UTF8), "string charset");
  return t;
}

std::size_t longest(const std::vector<std::string>& v) {
  std::size_t n = 1;
  for (const auto& s : v) n = std::max(n, s.size());
  return n;
}

std::vector<char> packed(const std::vector<std::string>& v, std::size_t size) {
  std::vector<char> buf(v.size() * size, '\0');
  for (std::size_t i = 0; i < v.size(); ++i)
    std::memcpy(buf.data() + i * size, v[i].data(), v[i].size());
  return buf;
}

// The strings of a fixed-length buffer, padding removed.
std::vector<std::string> unpacked(const std::vector<char>& buf, std::size_t size, std::size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * size;
    std::size_t len = 0;
    while (len < size && p[len] != '\0') ++len;
    out.emplace_back(p, len);
  }
  return out;
}

}  // namespace

void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& data) {
  const std::size_t size = longest(data);
  Handle type = fixed_string_type(size);
  const hsize_t n = data.size();
  Handle space(check_id(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  Handle ds(check_id(H5Dcreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     "creating dataset " + name),
            H5Dclose);
  if (n > 0) {
    const std::vector<char> buf = packed(data, size);
    check(H5Dwrite(ds.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
          "writing " + name);
  }
  ds.close();
}

void write_attribute(hid_t obj, const std::string& name, const std::string& value) {
  Handle type = fixed_string_type(value.size());
  Handle space(check_id(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), "replacing " + name);
  Handle attr(
      check_id(H5Acreate2(obj, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
               "creating attribute " + name),
      H5Aclose);
  std::vector<char> buf(std::max<std::size_t>(1, value.size()), '\0');
  std::memcpy(buf.data(), value.data(), value.size());
  check(H5Awrite(attr.id(), type.id(), buf.data()), "writing attribute " + name);
  attr.close();
}

template <class T>
static void write_scalar_attribute(hid_t obj, const std::string& name, T value) {
  Handle space(check_id(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), "replacing " + name);
  Handle attr(check_id(H5Acreate2(obj, name.c_str(), native_type<T>(), space.id(), H5P_DEFAULT,
                                  H5P_DEFAULT),
                       "creating attribute " + name),
              H5Aclose);
  check(H5Awrite(attr.id(), native_type<T>(), &value), "writing attribute " + name);
  attr.close();
}

void write_attribute(hid_t obj, const std::string& name, std::int64_t value) {
  write_scalar_attribute(obj, name, value);
}

void write_attribute(hid_t obj, const std::string& name, double value) {
  write_scalar_attribute(obj, name, value);
}

void write_attribute(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  const std::size_t size = longest(values);
  Handle type = fixed_string_type(size);
  const hsize_t n = values.size();
  Handle space(check_id(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  Handle attr(
      check_id(H5Acreate2(obj, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
               "creating attribute " + name),
      H5Aclose);
  const std::vector<char> buf = packed(values, size);
  check(H5Awrite(attr.id(), type.id(), buf.data()), "writing attribute " + name);
  attr.close();
}

std::vector<hsize_t> dataset_shape(hid_t parent, const std::string& name) {
  Handle ds = open_dataset(parent, name);
  Handle space(check_id(H5Dget_space(ds.id()), "dataspace of " + name), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  check(rank, "rank of " + name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr), "extent of " + name);
  return dims;
}

bool exists(hid_t parent, const std::string& path) {
  // Check each prefix: H5Lexists fails on a missing intermediate group.
  std::size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

template <class T>
std::vector<T> read_all(hid_t parent, const std::string& name) {
  Handle ds = open_dataset(parent, name);
  Handle space(check_id(H5Dget_space(ds.id()), "dataspace of " + name), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  check(static_cast<herr_t>(n < 0 ? -1 : 0), "size of " + name);
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0) {
    check(H5Dread(ds.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          "reading " + name);
  }
  return out;
}

template <class T>
std::vector<T> read_row(hid_t parent, const std::string& name, hsize_t row) {
  Handle ds = open_dataset(parent, name);
  Handle space(check_id(H5Dget_space(ds.id()), "dataspace of " + name), H5Sclose);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space.id()) != 2) throw io_error(name + " is not a table");
  check(H5Sget_simple_extent_dims(space.id(), dims, nullptr), "extent of " + name);
  if (row >= dims[0]) throw io_error(name + " has no row " + std::to_string(row));
  const hsize_t start[2] = {row, 0}, count[2] = {1, dims[1]};
  check(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr),
        "selecting a row");
  Handle mem(check_id(H5Screate_simple(2, count, nullptr), "memory space"), H5Sclose);
  std::vector<T> out(dims[1]);
  if (dims[1] > 0) {
    check(H5Dread(ds.id(), native_type<T>(), mem.id(), space.id(), H5P_DEFAULT, out.data()),
          "reading " + name);
  }
  return out;
}

template std::vector<double> read_all<double>(hid_t, const std::string&);
template std::vector<std::int64_t> read_all<std::int64_t>(hid_t, const std::string&);
template std::vector<std::int32_t> read_all<std::int32_t>(hid_t, const std::string&);
template std::vector<std::int8_t> read_all<std::int8_t>(hid_t, const std::string&);
template std::vector<double> read_row<double>(hid_t, const std::string&, hsize_t);
template std::vector<std::int32_t> read_row<std::int32_t>(hid_t, const std::string&, hsize_t);

std::vector<std::string> read_strings(hid_t parent, const std::string& name) {
  Handle ds = open_dataset(parent, name);
  Handle space(check_id(H5Dget_space(ds.id()), "dataspace of " + name), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n < 0) throw io_error(name + " has no size");
  Handle ftype(check_id(H5Dget_type(ds.id()), "type of " + name), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING) throw io_error(name + " is not a string dataset");
  if (H5Tis_variable_str(ftype.id()) > 0) {
    Handle type = vlen_string_type();
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    if (n > 0) {
      check(H5Dread(ds.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
            "reading " + name);
    }
    std::vector<std::string> out;
    for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    if (n > 0) H5Dvlen_reclaim(type.id(), space.id(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.id());
  if (size == 0 || size > (std::size_t{1} << 30)) throw io_error(name + " has a bad string size");
  // Read as stored (its character set and padding): no conversion.
  Handle type(check_id(H5Tcopy(ftype.id()), "string type"), H5Tclose);
  std::vector<char> buf(static_cast<std::size_t>(n) * size);
  if (n > 0) {
    check(H5Dread(ds.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
          "reading " + name);
  }
  return unpacked(buf, size, static_cast<std::size_t>(n));
}

bool has_attribute(hid_t obj, const std::string& name) {
  return H5Aexists(obj, name.c_str()) > 0;
}

std::string read_string_attribute(hid_t obj, const std::string& name) {
  Handle attr(check_id(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening attribute " + name),
              H5Aclose);
  Handle ftype(check_id(H5Aget_type(attr.id()), "attribute type"), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING)
    throw io_error("attribute " + name + " is not a string");
  Handle space(check_id(H5Aget_space(attr.id()), "attribute space"), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.id()) != 1)
    throw io_error("attribute " + name + " is not one string");
  if (H5Tis_variable_str(ftype.id()) > 0) {
    Handle type = vlen_string_type();
    char* ptr = nullptr;
    check(H5Aread(attr.id(), type.id(), &ptr), "reading attribute " + name);
    std::string out = ptr != nullptr ? ptr : "";
    H5free_memory(ptr);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.id());
  if (size == 0 || size > (std::size_t{1} << 30))
    throw io_error("attribute " + name + " has a bad string size");
  Handle type(check_id(H5Tcopy(ftype.id()), "string type"), H5Tclose);
  std::vector<char> buf(size);
  check(H5Aread(attr.id(), type.id(), buf.data()), "reading attribute " + name);
  return unpacked(buf, size, 1).front();
}

std::vector<std::string> read_strings_attribute(hid_t obj, const std::string& name) {
  Handle attr(check_id(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening attribute " + name),
              H5Aclose);
  Handle ftype(check_id(H5Aget_type(attr.id()), "attribute type"), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING) {
    throw io_error("attribute " + name + " is not a string");
  }
  Handle space(check_id(H5Aget_space(attr.id()), "attribute space"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n < 0 || n > (hssize_t{1} << 20)) throw io_error("attribute " + name + " has a bad size");
  if (H5Tis_variable_str(ftype.id()) > 0) {
    Handle type = vlen_string_type();
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    if (n > 0) check(H5Aread(attr.id(), type.id(), ptrs.data()), "reading attribute " + name);
    std::vector<std::string> out;
    for (char* p : ptrs) {
      out.emplace_back(p != nullptr ? p : "");
      H5free_memory(p);
    }
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.id());
  if (size == 0 || size > (std::size_t{1} << 20)) {
    throw io_error("attribute " + name + " has a bad string size");
  }
  Handle type(check_id(H5Tcopy(ftype.id()), "string type"), H5Tclose);
  std::vector<char> buf(size * static_cast<std::size_t>(n));
  if (n > 0) check(H5Aread(attr.id(), type.id(), buf.data()), "reading attribute " + name);
  return unpacked(buf, size, static_cast<std::size_t>(n));
}

Handle open_group(hid_t parent, const std::string& name) {
  return Handle(check_id(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "opening " + name), H5Gclose);
}

std::int64_t read_int_attribute(hid_t obj, const std::string& name) {
  Handle attr(check_id(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "opening attribute " + name),
              H5Aclose);
  // Strictly one integer: 1.9 is not a version 1, nor "1".
  Handle ftype(check_id(H5Aget_type(attr.id()), "attribute type"), H5Tclose);
  Handle space(check_id(H5Aget_space(attr.id()), "attribute space"), H5Sclose);
  if (H5Tget_class(ftype.id()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.id()) != 1) {
    throw io_error("attribute " + name + " is not one integer");
  }
  std::int64_t value = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_INT64, &value), "reading attribute " + name);
  return value;
}

}  // namespace talentsim::detail::h5
