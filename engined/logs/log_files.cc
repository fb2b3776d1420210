#include "engined/logs/log_files.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "common/status.h"

namespace berth::engined::logs {
namespace {

constexpr size_t kReadChunk = 64 << 10;
// Each retry needs a rotation to land inside the few opens of one attempt;
// past this the writer is rotating faster than anyone can read.
constexpr int kOpenAttempts = 8;

}  // namespace

absl::StatusOr<std::optional<LogFileHandle>> OpenLogFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::optional<LogFileHandle>();
    return ErrnoErrorf(errno, "open {}", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", path);
  LogFileHandle file;
  file.fd = std::move(fd);
  file.path = path;
  file.dev = st.st_dev;
  file.ino = st.st_ino;
  return std::optional<LogFileHandle>(std::move(file));
}

absl::StatusOr<LogChain> OpenLogChain(const std::string& path, int max_files) {
  for (int attempt = 0; attempt < kOpenAttempts; ++attempt) {
    LogChain chain;
    // The live file first: a rotation after this moves it to .1, where the
    // loop below meets it again and the duplicate check notices.
    BERTH_ASSIGN_OR_RETURN(chain.live, OpenLogFile(path));
    bool duplicate = false;
    for (int i = 1; i < max_files && !duplicate; ++i) {
      BERTH_ASSIGN_OR_RETURN(std::optional<LogFileHandle> file,
                             OpenLogFile(path + "." + std::to_string(i)));
      if (!file) break;  // the chain is not full yet
      auto same = [&](const LogFileHandle& other) {
        return other.dev == file->dev && other.ino == file->ino;
      };
      duplicate = (chain.live && same(*chain.live)) ||
                  std::any_of(chain.rotated.begin(), chain.rotated.end(), same);
      chain.rotated.push_back(std::move(*file));
    }
    if (duplicate) continue;
    std::reverse(chain.rotated.begin(), chain.rotated.end());
    return chain;
  }
  return Errorf(absl::StatusCode::kUnavailable, "open {}: the log rotates too fast to read", path);
}

namespace {

// The offset where the last `*remaining` complete lines of `file` begin,
// scanning back from its current end; `*remaining` drops by the lines found.
absl::StatusOr<int64_t> TailOffset(const LogFileHandle& file, int64_t* remaining) {
  struct stat st;
  if (::fstat(file.fd.get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", file.path);
  int64_t pos = st.st_size;
  std::string buf(kReadChunk, '\0');
  // Newlines seen; the (remaining+1)-th from the end closes the line before
  // the ones we keep.
  while (pos > 0) {
    int64_t begin = std::max<int64_t>(0, pos - static_cast<int64_t>(kReadChunk));
    size_t len = static_cast<size_t>(pos - begin);
    ssize_t n = ::pread(file.fd.get(), buf.data(), len, begin);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read {}", file.path);
    }
    if (static_cast<size_t>(n) != len) return Internalf("read {}: short read", file.path);
    for (size_t i = len; i-- > 0;) {
      if (buf[i] != '\n') continue;
      if (*remaining == 0) return begin + static_cast<int64_t>(i) + 1;
      --*remaining;
    }
    pos = begin;
  }
  return 0;
}

}  // namespace

absl::Status SeekTail(LogChain* chain, int64_t n) {
  int64_t remaining = n;
  // The live file's trailing partial line must not count: TailOffset counts
  // newlines, and the first newline from the end closes the last complete
  // line, so a trailing partial is naturally outside the count.
  bool done = false;
  auto seek = [&](LogFileHandle& file) -> absl::Status {
    if (done) {
      struct stat st;
      if (::fstat(file.fd.get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", file.path);
      file.offset = st.st_size;
      return absl::OkStatus();
    }
    int64_t before = remaining;
    BERTH_ASSIGN_OR_RETURN(file.offset, TailOffset(file, &remaining));
    // Found the start inside this file (or nothing more is wanted): older
    // files contribute nothing.
    done = file.offset > 0 || before == 0 || remaining == 0;
    return absl::OkStatus();
  };
  if (chain->live) BERTH_RETURN_IF_ERROR(seek(*chain->live));
  for (auto it = chain->rotated.rbegin(); it != chain->rotated.rend(); ++it) {
    BERTH_RETURN_IF_ERROR(seek(*it));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ReadLines(LogFileHandle* file, std::string* pending,
                               const std::function<bool(std::string_view)>& on_line) {
  std::string chunk(kReadChunk, '\0');
  for (;;) {
    ssize_t n = ::pread(file->fd.get(), chunk.data(), chunk.size(), file->offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read {}", file->path);
    }
    if (n == 0) return true;
    file->offset += n;
    std::string_view data(chunk.data(), static_cast<size_t>(n));
    while (!data.empty()) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        pending->append(data);
        break;
      }
      bool more;
      if (pending->empty()) {
        more = on_line(data.substr(0, nl));
      } else {
        pending->append(data.substr(0, nl));
        std::string line = std::move(*pending);
        pending->clear();
        more = on_line(line);
      }
      data.remove_prefix(nl + 1);
      if (!more) {
        // Stop at the end of this line, so a caller that resumes would not
        // see the rest of the chunk twice.
        file->offset -= static_cast<int64_t>(data.size());
        return false;
      }
    }
  }
}

}  // namespace berth::engined::logs
