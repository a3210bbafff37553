// Checkpoint file: magic, format, program version and commit, resolved
// scenario, output path, simulation state, output writer position, the
// bytes of the output file so far, and an FNV-1a checksum of all of it.

#include "talentsim/checkpoint.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "talentsim/errors.hpp"
#include "talentsim/version.hpp"
#include "util/binary_io.hpp"
#include "util/fault.hpp"
#include "util/files.hpp"

namespace talentsim {
namespace {

namespace fs = std::filesystem;
constexpr char MAGIC[] = "TALENTSIM-CHECKPOINT\n";
constexpr std::uint32_t FORMAT = CHECKPOINT_FORMAT_VERSION;
// A checkpoint is read whole; this only refuses what cannot be one.
constexpr std::uint64_t MAX_CHECKPOINT_BYTES = std::uint64_t{1} << 40;

// The files a run reads besides its scenario, with an FNV-1a digest of
// each: a resume must see the same inputs.
std::vector<std::pair<std::string, std::uint64_t>> input_digests(const Scenario& sc) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  if (sc.network.source == NetworkSource::edge_list) {
    const auto bytes =
        detail::read_regular_file(sc.network.edge_list, MAX_CHECKPOINT_BYTES, "edge list");
    out.emplace_back(sc.network.edge_list, detail::fnv1a(bytes.data(), bytes.size()));
  }
  return out;
}

struct Parsed {
  std::string scenario, output;
  std::vector<std::pair<std::string, std::uint64_t>> inputs;
  std::vector<char> state;
  OutputState position;
  std::string h5;
};

Parsed parse(const std::string& path) {
  const std::vector<char> data =
      detail::read_regular_file(path, MAX_CHECKPOINT_BYTES, "checkpoint");
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
  const auto inputs = in.value<std::uint64_t>();
  if (inputs > 64) throw user_error(path + ": damaged checkpoint (input list)");
  for (std::uint64_t i = 0; i < inputs; ++i) {
    std::string file = in.string();
    p.inputs.emplace_back(std::move(file), in.value<std::uint64_t>());
  }
  p.state = in.vector<char>();
  p.position.rows = in.value<std::uint64_t>();
  p.position.events = in.value<std::uint64_t>();
  p.position.snapshots = in.value<std::uint64_t>();
  const std::vector<char> h5 = in.vector<char>();
  p.h5.assign(h5.begin(), h5.end());
  if (in.position() != data.size() - magic - 8) {
    throw user_error(path + ": damaged checkpoint (trailing data)");
  }
  return p;
}

}  // namespace

void write_checkpoint(const std::string& path, const Simulation& sim, OutputWriter& writer) {
  const OutputState position = writer.flush();
  const std::vector<char> h5 =
      detail::read_regular_file(writer.temp_path(), MAX_CHECKPOINT_BYTES, "output being written");
  detail::BinaryWriter out;
  out.bytes(MAGIC, sizeof(MAGIC) - 1);
  out.value<std::uint32_t>(FORMAT);
  out.string(std::string(version()));
  out.string(std::string(git_commit()));
  out.string(to_toml(sim.scenario()));
  out.string(writer.path());
  const auto inputs = input_digests(sim.scenario());
  out.value<std::uint64_t>(inputs.size());
  for (const auto& [file, digest] : inputs) {
    out.string(file);
    out.value(digest);
  }
  out.vector(sim.save_state());
  out.value<std::uint64_t>(position.rows);
  out.value<std::uint64_t>(position.events);
  out.value<std::uint64_t>(position.snapshots);
  out.vector(h5);
  const std::uint64_t sum = detail::fnv1a(out.buffer().data(), out.buffer().size());
  out.value(sum);
  const auto& buf = out.buffer();
  detail::replace_file(path, std::string_view(buf.data(), buf.size()), "checkpoint");
}

std::string checkpoint_scenario(const std::string& path) {
  return parse(path).scenario;
}

void check_checkpoint_target(const std::string& path, const std::string& option) {
  if (path.empty()) throw user_error(option + ": the checkpoint path is empty");
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return;
  if (fs::is_directory(status)) {
    throw user_error(option + " " + path + ": is a directory; give a file name");
  }
  if (!fs::is_regular_file(status)) {
    throw user_error(option + " " + path +
                     ": is not a regular file (a device, FIFO or socket); refusing to replace it");
  }
  std::ifstream in(path, std::ios::binary);
  char head[sizeof(MAGIC) - 1] = {};
  in.read(head, sizeof head);
  if (!in || std::memcmp(head, MAGIC, sizeof head) != 0) {
    throw user_error(option + " " + path +
                     ": exists and is not a talentsim checkpoint; refusing to replace it");
  }
}

ResumedRun resume_run(
    const std::string& path, const std::string& output,
    const std::function<void(const Scenario&, const std::string&)>& before_writing) {
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
  // The run must read what it read before the checkpoint.
  std::vector<std::pair<std::string, std::uint64_t>> now;
  try {
    now = input_digests(sc);
  } catch (const user_error& e) {
    throw user_error(path + ": an input of the checkpointed run is gone: " + e.what());
  }
  if (now != p.inputs) {
    throw user_error(path + ": an input file changed since the checkpoint (" +
                     (now.empty() ? std::string("?") : now.front().first) +
                     "); a resume needs the same inputs (restore it, or start the run again)");
  }
  if (before_writing) before_writing(sc, out);
  r.sim = std::make_unique<Simulation>(std::move(sc));
  r.sim->restore_state(p.state.data(), p.state.size(), path);
  // The output so far goes back under its temporary name (locked first),
  // and the writer continues it.
  r.writer = std::make_unique<OutputWriter>(out, *r.sim, p.position, p.h5);
  return r;
}

}  // namespace talentsim
