// Checkpoint file: magic, format, program version and commit, resolved
// scenario, output path, simulation state, output writer position, the
// bytes of the output file so far, and an FNV-1a checksum of all of it.

#include "talentsim/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "talentsim/errors.hpp"
#include "talentsim/version.hpp"
#include "util/binary_io.hpp"
#include "util/fault.hpp"

namespace talentsim {
namespace {

namespace fs = std::filesystem;
constexpr char MAGIC[] = "TALENTSIM-CHECKPOINT\n";
constexpr std::uint32_t FORMAT = 1;

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw user_error(path + ": cannot read the checkpoint");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(int fd, const char* data, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t k = ::write(fd, data, n);
    if (k < 0) throw io_error("cannot write " + path + ": " + std::strerror(errno));
    data += k;
    n -= static_cast<std::size_t>(k);
  }
}

void sync_directory(const std::string& path) {
  const std::string dir = fs::path(path).parent_path().empty()
                              ? std::string(".")
                              : fs::path(path).parent_path().string();
  if (const int fd = ::open(dir.c_str(), O_RDONLY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

struct Parsed {
  std::string scenario, output;
  std::vector<char> state;
  OutputState position;
  std::vector<char> h5;
};

Parsed parse(const std::string& path) {
  const std::vector<char> data = read_file(path);
  const std::size_t magic = sizeof(MAGIC) - 1;
  if (data.size() < magic || std::memcmp(data.data(), MAGIC, magic) != 0) {
    throw user_error(path + ": not a talentsim checkpoint");
  }
  if (data.size() < magic + 8) throw user_error(path + ": damaged or truncated checkpoint");
  std::uint64_t stored = 0;
  std::memcpy(&stored, data.data() + data.size() - 8, 8);
  if (detail::fnv1a(data.data(), data.size() - 8) != stored) {
    throw user_error(path + ": damaged or truncated checkpoint (checksum mismatch)");
  }
  detail::BinaryReader in(data.data() + magic, data.size() - magic - 8, path);
  if (in.value<std::uint32_t>() != FORMAT) {
    throw user_error(path + ": checkpoint format not supported by this build");
  }
  const std::string v = in.string(), commit = in.string();
  if (v != version() || commit != git_commit()) {
    throw user_error(path + ": written by talentsim " + v + " (commit " + commit +
                     "); this is talentsim " + std::string(version()) + " (commit " +
                     std::string(git_commit()) + "): resume with the same build");
  }
  Parsed p;
  p.scenario = in.string();
  p.output = in.string();
  p.state = in.vector<char>();
  p.position.rows = in.value<std::uint64_t>();
  p.position.events = in.value<std::uint64_t>();
  p.position.snapshots = in.value<std::uint64_t>();
  p.h5 = in.vector<char>();
  return p;
}

}  // namespace

void write_checkpoint(const std::string& path, const Simulation& sim, OutputWriter& writer) {
  const OutputState position = writer.flush();
  const std::vector<char> h5 = read_file(writer.temp_path());
  detail::BinaryWriter out;
  out.bytes(MAGIC, sizeof(MAGIC) - 1);
  out.value<std::uint32_t>(FORMAT);
  out.string(std::string(version()));
  out.string(std::string(git_commit()));
  out.string(to_toml(sim.scenario()));
  out.string(writer.path());
  out.vector(sim.save_state());
  out.value<std::uint64_t>(position.rows);
  out.value<std::uint64_t>(position.events);
  out.value<std::uint64_t>(position.snapshots);
  out.vector(h5);
  const std::uint64_t sum = detail::fnv1a(out.buffer().data(), out.buffer().size());
  out.value(sum);

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw io_error("cannot write checkpoint " + tmp + ": " + std::strerror(errno));
  const auto& buf = out.buffer();
  const std::size_t half = buf.size() / 2;
  try {
    write_all(fd, buf.data(), half, tmp);
    detail::fault_point("checkpoint");
    write_all(fd, buf.data() + half, buf.size() - half, tmp);
    if (::fsync(fd) != 0) throw io_error("cannot sync " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  detail::fault_point("checkpoint-rename");
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw io_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  sync_directory(path);
}

std::string checkpoint_scenario(const std::string& path) {
  return parse(path).scenario;
}

ResumedRun resume_run(const std::string& path, const std::string& output) {
  Parsed p = parse(path);
  const std::string out = output.empty() ? p.output : output;
  std::vector<Override> overrides;
  if (!output.empty()) {
    overrides.push_back(string_override("output.path", output));
  }
  ResumedRun r;
  Scenario sc;
  try {
    sc = load_scenario_text(p.scenario, path + " (stored scenario)", overrides);
  } catch (const scenario_error& e) {
    throw user_error(path + ": damaged checkpoint (its scenario does not load: " + e.message() +
                     ")");
  }
  r.sim = std::make_unique<Simulation>(std::move(sc));
  r.sim->restore_state(p.state.data(), p.state.size(), path);
  // The output so far goes back under its temporary name, and the writer continues it.
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(p.h5.data(), static_cast<std::streamsize>(p.h5.size()));
    if (!f) throw io_error("cannot write " + tmp);
  }
  r.writer = std::make_unique<OutputWriter>(out, *r.sim, p.position);
  return r;
}

}  // namespace talentsim
