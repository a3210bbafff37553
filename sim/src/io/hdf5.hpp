#pragma once
// A small RAII layer over the HDF5 C API: every handle is closed exactly once,
// every return code is checked and turned into an io_error. HDF5 calls come
// from one thread only (the library is built with a global lock).

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace talentsim::detail::h5 {

//! Throws io_error("HDF5: <what> failed: <cause>") when `status` is
//! negative; the cause is the innermost message of HDF5's error stack.
void check(herr_t status, std::string_view what);
hid_t check_id(hid_t id, std::string_view what);

//! Owns one hid_t and its close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      close_ = o.close_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t id() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }
  //! Closes now, reporting failure (the destructor cannot).
  void close();

 private:
  void reset() noexcept;
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

//! Type map: HDF5 native type of a C++ type.
template <class T>
hid_t native_type();
template <>
inline hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
inline hid_t native_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
inline hid_t native_type<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
inline hid_t native_type<std::int16_t>() {
  return H5T_NATIVE_INT16;
}
template <>
inline hid_t native_type<std::int8_t>() {
  return H5T_NATIVE_INT8;
}
template <>
inline hid_t native_type<std::uint8_t>() {
  return H5T_NATIVE_UINT8;
}

//! For programs: keeps HDF5 from installing its exit handler (must come
//! before any other HDF5 call). After a failed write (a full disk) HDF5
//! 1.10 can hold a half-closed file that its exit handler crashes on; a
//! program calls shutdown() itself when everything closed cleanly.
void no_exit_handler();
//! Releases HDF5's resources (after every file is closed).
void shutdown();

//! Silences HDF5's own error printing (errors become exceptions instead).
void quiet_errors();

//! Files written by talentsim (create_file, open_file_rw) close every
//! object with the file and take no HDF5 file lock (talentsim locks them).
Handle create_file(const std::string& path);
//! The operating system's descriptor of an open file (sec2 driver).
int file_descriptor(hid_t file);
Handle open_file(const std::string& path);
Handle open_file_rw(const std::string& path);
Handle create_group(hid_t parent, const std::string& name);
Handle open_dataset(hid_t parent, const std::string& name);

//! Creates a chunked, shuffled and gzip-compressed dataset of element type T
//! with current dims `dims`, unlimited first dimension (and second, when
//! `grow_columns`), chunk shape `chunk`, and fill value `fill`.
template <class T>
Handle create_dataset(hid_t parent, const std::string& name, std::vector<hsize_t> dims,
                      std::vector<hsize_t> chunk, int gzip, T fill = T{},
                      bool grow_columns = false);

//! One chunk of `elements` values of `size` bytes (raw, native order) as
//! HDF5's shuffle + deflate filters store it: the shuffled bytes as one zlib
//! stream at deflate `level` (stored blocks for leading byte planes that
//! look random when `level` <= 6, libdeflate for the rest), which any HDF5
//! reader inflates.
std::vector<unsigned char> encode_chunk(const unsigned char* raw, std::size_t elements,
                                        std::size_t size, unsigned level);

//! Writes `data` (row-major) at [row0, col0] with shape `count`, growing the
//! dataset first if needed. With `parallel`, new chunks are compressed on
//! the TBB threads; the output writer's background thread passes false so
//! that it never competes with the simulation for them.
template <class T>
void write_block(hid_t dataset, const T* data, std::vector<hsize_t> start,
                 std::vector<hsize_t> count, bool parallel = true);

//! Writes a whole 1-D dataset at once (compressed when larger than a chunk).
template <class T>
void write_vector(hid_t parent, const std::string& name, const std::vector<T>& data, int gzip);
void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& data);

void write_attribute(hid_t obj, const std::string& name, const std::string& value);
void write_attribute(hid_t obj, const std::string& name, std::int64_t value);
void write_attribute(hid_t obj, const std::string& name, double value);
void write_attribute(hid_t obj, const std::string& name, const std::vector<std::string>& values);

//! Shape of a dataset.
std::vector<hsize_t> dataset_shape(hid_t parent, const std::string& name);
bool exists(hid_t parent, const std::string& path);
//! Reads a whole dataset (any rank) as T.
template <class T>
std::vector<T> read_all(hid_t parent, const std::string& name);
//! Reads row `row` of a 2-D dataset as T.
template <class T>
std::vector<T> read_row(hid_t parent, const std::string& name, hsize_t row);
std::vector<std::string> read_strings(hid_t parent, const std::string& name);

//! Reads back (for inspect and tests).
std::string read_string_attribute(hid_t obj, const std::string& name);
//! A 1-D string attribute (fixed-length or variable-length strings).
std::vector<std::string> read_strings_attribute(hid_t obj, const std::string& name);
//! Opens an existing group (path relative to `parent`).
Handle open_group(hid_t parent, const std::string& name);
std::int64_t read_int_attribute(hid_t obj, const std::string& name);
bool has_attribute(hid_t obj, const std::string& name);

}  // namespace talentsim::detail::h5
