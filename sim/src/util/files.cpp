#include "util/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "talentsim/errors.hpp"
#include "util/fault.hpp"

namespace talentsim::detail {
namespace {

namespace fs = std::filesystem;

void write_all(int fd, const char* data, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t k = ::write(fd, data, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot write " + path + ": " + errno_text(errno));
    }
    data += k;
    n -= static_cast<std::size_t>(k);
  }
}

// Creates `path` exclusively for writing. A leftover at `path` (a stale
// temporary, or a symbolic link someone put there) is unlinked first:
// unlink removes a link itself, never its target.
int create_exclusive(const std::string& path) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) throw io_error("cannot create " + path + ": " + errno_text(errno));
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      throw io_error("cannot create " + path + ": a directory is in its place");
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw io_error("cannot remove the stale " + path + ": " + errno_text(errno));
    }
  }
  throw io_error("cannot create " + path + ": it keeps reappearing (another process?)");
}

}  // namespace

std::string errno_text(int e) {
  return std::strerror(e);
}

void sync_directory(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void replace_file(const std::string& path, std::string_view bytes, const char* fault) {
  const std::string tmp = path + ".tmp";
  const int fd = create_exclusive(tmp);
  try {
    const std::size_t half = bytes.size() / 2;
    write_all(fd, bytes.data(), half, tmp);
    if (fault != nullptr) fault_point(fault);
    write_all(fd, bytes.data() + half, bytes.size() - half, tmp);
    if (::fsync(fd) != 0) throw io_error("cannot sync " + tmp + ": " + errno_text(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw io_error("cannot write " + tmp + ": " + errno_text(e));
  }
  if (fault != nullptr) fault_point((std::string(fault) + "-rename").c_str());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw io_error("cannot rename " + tmp + " to " + path + ": " + errno_text(e));
  }
  sync_directory(path);
}

std::vector<char> read_regular_file(const std::string& path, std::uint64_t max_bytes,
                                    const std::string& what) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    throw user_error(path + ": cannot read the " + what + " (" + errno_text(errno) + ")");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    throw user_error(path + ": not a " + what + " (" +
                     (dir ? "a directory" : "not a regular file: a device, FIFO or socket") + ")");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    throw user_error(path + ": the " + what + " is larger than " + std::to_string(max_bytes) +
                     " bytes");
  }
  std::vector<char> data(size);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t k = ::read(fd, data.data() + got, size - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      const int e = errno;
      ::close(fd);
      throw user_error(path + ": cannot read the " + what + " (" + errno_text(e) + ")");
    }
    if (k == 0) break;  // shorter than its size said (being truncated)
    got += static_cast<std::size_t>(k);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) {
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  }
  std::error_code ea, eb;
  const fs::path pa = fs::weakly_canonical(fs::absolute(a, ea), ea);
  const fs::path pb = fs::weakly_canonical(fs::absolute(b, eb), eb);
  if (ea || eb) return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
  return pa == pb;
}

LockedFile::LockedFile(std::string path) : path_(std::move(path)) {
  for (int attempt = 0; attempt < 3 && fd_ < 0; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd_ < 0 && errno == ELOOP) {
      // A symbolic link where our temporary goes: remove the link itself.
      if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
        throw io_error("cannot remove the symbolic link " + path_ + ": " + errno_text(errno));
      }
      continue;
    }
    if (fd_ < 0) throw io_error("cannot create " + path_ + ": " + errno_text(errno));
  }
  if (fd_ < 0) throw io_error("cannot create " + path_ + ": it keeps being replaced");
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw io_error("cannot use " + path_ + ": it exists and is not a regular file");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK) {
      throw io_error(path_ +
                     " is being written by another talentsim process (a run or a resume "
                     "of the same output); wait for it or choose another output");
    }
    throw io_error("cannot lock " + path_ + ": " + errno_text(e));
  }
  // Blocking I/O from here on.
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
}

LockedFile::~LockedFile() {
  if (fd_ >= 0) ::close(fd_);
}

void LockedFile::overwrite(std::string_view bytes) {
  if (::ftruncate(fd_, 0) != 0) throw io_error("cannot empty " + path_ + ": " + errno_text(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t k =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) throw io_error("cannot write " + path_ + ": " + errno_text(errno));
    done += static_cast<std::size_t>(k);
  }
  sync();
}

void LockedFile::sync() {
  if (::fsync(fd_) != 0) throw io_error("cannot sync " + path_ + ": " + errno_text(errno));
}

bool LockedFile::same_as(int other_fd) const {
  struct stat a {
  }, b{};
  return ::fstat(fd_, &a) == 0 && ::fstat(other_fd, &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

bool LockedFile::still_at_path() const {
  struct stat a {
  }, b{};
  return ::fstat(fd_, &a) == 0 && ::lstat(path_.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

void LockedFile::remove() noexcept {
  if (fd_ >= 0 && still_at_path()) ::unlink(path_.c_str());
}

}  // namespace talentsim::detail
