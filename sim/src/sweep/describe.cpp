// talentsim inspect on a collected sweep (DIR/sweep.h5): provenance,
// dimensions and their values, points collected, outputs, and whether run
// files changed since the collection; the file is checked throughout first.

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "io/verify.hpp"
#include "sweep/sweep.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "util/format.hpp"

namespace talentsim::detail {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> group_members(hid_t root, const std::string& group) {
  std::vector<std::string> out;
  if (!h5::exists(root, group)) return out;
  h5::Handle g(h5::check_id(H5Gopen2(root, group.c_str(), H5P_DEFAULT), "opening " + group),
               H5Gclose);
  H5G_info_t info{};
  h5::check(H5Gget_info(g.id(), &info), "listing " + group);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[512] = {0};
    if (H5Lget_name_by_idx(g.id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                           H5P_DEFAULT) > 0) {
      out.emplace_back(name);
    }
  }
  return out;
}

std::vector<std::string> string_list_attribute(hid_t obj, const std::string& name) {
  h5::Handle attr(h5::check_id(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "attribute " + name),
                  H5Aclose);
  h5::Handle ftype(h5::check_id(H5Aget_type(attr.id()), "attribute type"), H5Tclose);
  h5::Handle space(h5::check_id(H5Aget_space(attr.id()), "attribute space"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (H5Tget_class(ftype.id()) != H5T_STRING || H5Tis_variable_str(ftype.id()) > 0 || n < 0 ||
      n > 4096) {
    throw io_error("attribute " + name + " is not a list of fixed-length strings");
  }
  const std::size_t size = H5Tget_size(ftype.id());
  h5::Handle type(h5::check_id(H5Tcopy(ftype.id()), "type"), H5Tclose);
  std::vector<char> buf(static_cast<std::size_t>(n) * size);
  if (n > 0) h5::check(H5Aread(attr.id(), type.id(), buf.data()), "reading attribute " + name);
  std::vector<std::string> out;
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buf.data() + static_cast<std::size_t>(i) * size;
    out.emplace_back(p, strnlen(p, size));
  }
  return out;
}

std::string values_text(hid_t root, const std::string& coord) {
  h5::Handle ds = h5::open_dataset(root, coord);
  h5::Handle ftype(h5::check_id(H5Dget_type(ds.id()), "type of " + coord), H5Tclose);
  std::vector<std::string> values;
  if (H5Tget_class(ftype.id()) == H5T_STRING) {
    values = h5::read_strings(root, coord);
  } else {
    for (double x : h5::read_all<double>(root, coord)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", x);
      values.emplace_back(buf);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i == 6 && values.size() > 8) {
      out += ", ... (" + std::to_string(values.size()) + " values), " + values.back();
      break;
    }
    out += (i == 0 ? "" : ", ") + values[i];
  }
  return out;
}

std::int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

std::string describe_sweep(const std::string& path) {
  h5::Handle file = open_talentsim_file(path, SWEEP_FORMAT, SWEEP_SCHEMA_VERSION);
  const hid_t root = file.id();
  std::ostringstream s;
  try {
    read_every_dataset(root);
    const std::vector<std::string> dims = string_list_attribute(root, "dims");
    std::vector<hsize_t> sizes;
    for (const std::string& d : dims) {
      if (!h5::exists(root, "coords/" + d)) throw io_error("/coords/" + d + " is missing");
      sizes.push_back(h5::dataset_shape(root, "coords/" + d).at(0));
    }
    hsize_t points = 1;
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] != "step") points *= sizes[i];
    }
    const auto status = h5::read_all<std::int32_t>(root, "points/status");
    const auto outputs = h5::read_strings(root, "points/output");
    if (status.size() != points || outputs.size() != points) {
      throw io_error("/points/status and /points/output must have one entry per point (" +
                     std::to_string(points) + ")");
    }
    const auto metrics = group_members(root, "metrics");
    const auto by_country = group_members(root, "by_country");
    for (const std::string& m : metrics) {
      std::vector<hsize_t> want = sizes;
      if (std::find(dims.begin(), dims.end(), "step") == dims.end()) want.push_back(1);
      if (h5::dataset_shape(root, "metrics/" + m) != want) {
        throw io_error("/metrics/" + m + " does not have the shape of the dimensions");
      }
    }
    const std::int64_t collected = std::count(status.begin(), status.end(), 0);

    s << path << ": talentsim sweep '" << h5::read_string_attribute(root, "name") << "', schema "
      << h5::read_int_attribute(root, "schema_version") << "\n";
    s << "  collected    " << h5::read_string_attribute(root, "created") << " by talentsim "
      << h5::read_string_attribute(root, "talentsim_version") << " (commit "
      << h5::read_string_attribute(root, "git_commit") << ")\n";
    s << "  dimensions  ";
    for (std::size_t i = 0; i < dims.size(); ++i) {
      s << (i == 0 ? " " : " x ") << dims[i] << " " << sizes[i];
    }
    s << "  (" << format_count(static_cast<std::int64_t>(points)) << " points)\n";
    for (const std::string& d : dims) {
      if (d == "step") continue;
      s << "    " << d << ": " << values_text(root, "coords/" + d) << "\n";
    }
    s << "  points       " << format_count(collected) << " collected, "
      << format_count(static_cast<std::int64_t>(points) - collected)
      << " missing or failed (NaN)\n";
    s << "  outputs      " << metrics.size() << " metrics, " << by_country.size()
      << " per-country series\n";
    // Run files that changed or completed after the collection.
    const std::int64_t collected_at = mtime_ns(path);
    const fs::path runs = fs::path(path).parent_path() / "runs";
    std::int64_t changed = 0, completed = 0;
    for (std::size_t p = 0; p < outputs.size(); ++p) {
      std::string run = outputs[p];
      if (const fs::path local = runs / fs::path(run).filename(); fs::exists(local)) {
        run = local.string();
      }
      const std::int64_t t = mtime_ns(run);
      if (status[p] == 0 && t > collected_at) ++changed;
      if (status[p] != 0 && t >= 0 && is_complete_output(run)) ++completed;
    }
    if (changed + completed > 0) {
      s << "  STALE        " << changed << " runs changed and " << completed
        << " completed since the collection: run 'talentsim sweep collect' again\n";
    } else {
      s << "  up to date   no run file changed since the collection\n";
    }
  } catch (const io_error& e) {
    throw user_error(path + ": damaged or truncated talentsim sweep file (" + e.what() + ")");
  }
  return s.str();
}

}  // namespace talentsim::detail
