#pragma once
// Files a run writes or reads, handled so that nothing already written is
// lost: atomic replacement (temporary, fsync, rename, fsync of the
// directory), temporaries created exclusively and never through a symbolic
// link, an exclusive lock on a run's temporary output, and inputs read only
// when they are regular files of a bounded size.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace talentsim::detail {

//! "No space left on device" for errno `e`.
std::string errno_text(int e);

//! Replaces `path` with `bytes`: written to `path` + ".tmp" (created
//! exclusively; a stale temporary or a symbolic link in its place is removed
//! first, never written through), synced, renamed over `path`, and the
//! directory synced. `fault` names the test fault points hit halfway through
//! the write (`fault`) and before the rename (`fault` + "-rename"). Throws
//! io_error (exit status 1) with the cause.
void replace_file(const std::string& path, std::string_view bytes, const char* fault = nullptr);

//! Syncs the directory that holds `path` (so a rename in it is durable).
void sync_directory(const std::string& path);

//! The whole of `path`, which must be a regular file of at most `max_bytes`;
//! user_error naming `what` otherwise (a directory, a FIFO, a device).
std::vector<char> read_regular_file(const std::string& path, std::uint64_t max_bytes,
                                    const std::string& what);

//! True when `a` and `b` name the same file: the same inode when both exist,
//! otherwise the same absolute, normalised path (symbolic links resolved as
//! far as they exist).
bool same_file(const std::string& a, const std::string& b);

//! A run's temporary output file, opened (created when missing) and locked
//! exclusively for the life of the object, so that two processes never write
//! the same output: a second one gets io_error("... is being written by
//! another talentsim process"). A symbolic link in its place is removed, not
//! followed; anything but a regular file is refused.
class LockedFile {
 public:
  explicit LockedFile(std::string path);
  ~LockedFile();
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;

  const std::string& path() const noexcept { return path_; }
  int fd() const noexcept { return fd_; }
  //! Empties the file and writes `bytes` at its start, synced.
  void overwrite(std::string_view bytes);
  //! Flushes the file's data to disk.
  void sync();
  //! True when `other_fd` is open on this very file (not a replacement).
  bool same_as(int other_fd) const;
  //! True while `path` still names this file.
  bool still_at_path() const;
  //! Removes `path` when it still names this file (a failed run's leftovers).
  void remove() noexcept;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace talentsim::detail
