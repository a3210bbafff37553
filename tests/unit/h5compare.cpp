#include "h5compare.hpp"

#include <stdexcept>

namespace talentsim::testing {
namespace {

herr_t visit(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  auto& out = *static_cast<std::map<std::string, DatasetContent>*>(data);
  DatasetContent c;
  const hid_t ds = H5Dopen2(obj, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(ds);
  const int rank = H5Sget_simple_extent_ndims(space);
  c.shape.resize(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, c.shape.data(), nullptr);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  const hid_t ftype = H5Dget_type(ds);
  if (H5Tget_class(ftype) == H5T_STRING) {
    const hid_t mtype = H5Tcopy(H5T_C_S1);
    H5Tset_size(mtype, H5T_VARIABLE);
    std::vector<char*> ptrs(static_cast<std::size_t>(n));
    if (n > 0) H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    for (char* p : ptrs) c.strings.emplace_back(p ? p : "");
    if (n > 0) H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, ptrs.data());
    H5Tclose(mtype);
  } else {
    const hid_t mtype = H5Tget_native_type(ftype, H5T_DIR_ASCEND);
    c.bytes.resize(static_cast<std::size_t>(n) * H5Tget_size(mtype));
    if (n > 0) H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.bytes.data());
    H5Tclose(mtype);
  }
  H5Tclose(ftype);
  H5Sclose(space);
  H5Dclose(ds);
  out[name] = std::move(c);
  return 0;
}

}  // namespace

std::map<std::string, DatasetContent> read_all_datasets(const std::string& path) {
  std::map<std::string, DatasetContent> out;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + path);
  H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &out, H5O_INFO_BASIC);
  H5Fclose(f);
  return out;
}

std::vector<std::string> differing_datasets(const std::string& a, const std::string& b) {
  const auto x = read_all_datasets(a), y = read_all_datasets(b);
  std::vector<std::string> diff;
  for (const auto& [name, content] : x) {
    const auto it = y.find(name);
    if (it == y.end())
      diff.push_back("<missing> " + name);
    else if (!(it->second == content))
      diff.push_back(name);
  }
  for (const auto& [name, content] : y) {
    if (x.find(name) == x.end()) diff.push_back("<missing> " + name);
  }
  return diff;
}

}  // namespace talentsim::testing
