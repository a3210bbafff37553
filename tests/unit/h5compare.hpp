#pragma once
// Compares two HDF5 files dataset by dataset (values, shapes and types) and
// returns the paths of the datasets that differ; "<missing> path" for a
// dataset present in only one file. Attributes are not compared.

#include <hdf5.h>

#include <map>
#include <string>
#include <vector>

namespace talentsim::testing {

struct DatasetContent {
  std::vector<hsize_t> shape;
  std::vector<std::string> strings;  // for string datasets
  std::vector<unsigned char> bytes;  // raw native values otherwise
  bool operator==(const DatasetContent&) const = default;
};

std::map<std::string, DatasetContent> read_all_datasets(const std::string& path);
std::vector<std::string> differing_datasets(const std::string& a, const std::string& b);

}  // namespace talentsim::testing
