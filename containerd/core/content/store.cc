#include "containerd/core/content/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "common/file_util.h"
#include "common/status.h"
#include "containerd/core/content/ingest.h"

namespace berth::containerd::content {
namespace {

absl::Status NotFoundBlob(const Digest& digest) {
  return NotFoundf("content {}: not found", digest.str());
}

BlobInfo InfoFromStat(const Digest& digest, const struct stat& st) {
  return BlobInfo{digest, st.st_size, ingest::FromTimespec(st.st_mtim),
                  ingest::FromTimespec(st.st_ctim)};
}

// The names in `dir` (not "." and "..").
absl::StatusOr<std::vector<std::string>> ReadDirNames(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return ErrnoErrorf(errno, "open {}", dir);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) return ErrnoErrorf(errno, "read {}", dir);
      break;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

}  // namespace

Store::Store(std::string root)
    : root_(std::move(root)),
      blobs_dir_(JoinPath(root_, "blobs/sha256")),
      ingest_root_(JoinPath(root_, "ingest")) {}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& root) {
  if (root.empty()) return InvalidArgumentf("content store: empty root");
  std::unique_ptr<Store> store(new Store(CleanPath(root)));
  BERTH_RETURN_IF_ERROR(MkdirAll(store->blobs_dir_, 0755));
  BERTH_RETURN_IF_ERROR(MkdirAll(store->ingest_root_, 0755));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadDirNames(store->ingest_root_));
  for (const std::string& name : names) {
    if (name.find(ingest::kRemovingMarker) == std::string::npos) continue;
    BERTH_RETURN_IF_ERROR(RemoveAll(JoinPath(store->ingest_root_, name)));
  }
  return store;
}

std::unique_ptr<Store> Store::WithHooks(Hooks hooks) const {
  std::unique_ptr<Store> view(new Store(root_));
  view->hooks_ = std::move(hooks);
  return view;
}

std::string Store::BlobPath(const Digest& digest) const {
  return JoinPath(blobs_dir_, digest.hex());
}

std::string Store::IngestDir(const std::string& ref) const {
  return JoinPath(ingest_root_, ingest::DirName(ref));
}

absl::StatusOr<BlobInfo> Store::Info(const Digest& digest) const {
  if (digest.empty()) return InvalidArgumentf("content info: empty digest");
  // Held before looking: a collection between the look and the hold would
  // remove what the caller was just told exists.
  if (hooks_.hold_blob) BERTH_RETURN_IF_ERROR(hooks_.hold_blob(digest));
  return Stat(digest);
}

absl::StatusOr<BlobInfo> Store::Stat(const Digest& digest) const {
  std::string path = BlobPath(digest);
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return NotFoundBlob(digest);
    return ErrnoErrorf(errno, "stat {}", path);
  }
  if (!S_ISREG(st.st_mode)) return Internalf("content {}: {} is not a file", digest.str(), path);
  return InfoFromStat(digest, st);
}

absl::StatusOr<std::vector<BlobInfo>> Store::List() const {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadDirNames(blobs_dir_));
  std::vector<BlobInfo> out;
  for (const std::string& name : names) {
    absl::StatusOr<Digest> digest = Digest::FromHex(name);
    if (!digest.ok()) continue;  // not a blob: a stray file is none of ours
    absl::StatusOr<BlobInfo> info = Stat(*digest);
    if (!info.ok() && absl::IsNotFound(info.status())) continue;  // deleted meanwhile
    if (!info.ok()) return info.status();
    out.push_back(*std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const BlobInfo& a, const BlobInfo& b) { return a.digest < b.digest; });
  return out;
}

absl::StatusOr<UniqueFd> Store::OpenBlob(const Digest& digest) const {
  if (digest.empty()) return InvalidArgumentf("open content: empty digest");
  std::string path = BlobPath(digest);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return NotFoundBlob(digest);
    return ErrnoErrorf(errno, "open {}", path);
  }
  return fd;
}

absl::StatusOr<std::string> Store::ReadBlob(const Digest& digest, int64_t max_size) const {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenBlob(digest));
  std::string path = BlobPath(digest);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return ErrnoErrorf(errno, "stat {}", path);
  if (st.st_size > max_size) {
    return FailedPreconditionf("content {} is {} bytes, more than the {} allowed", digest.str(),
                               st.st_size, max_size);
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoErrorf(errno, "read {}", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  if (done != out.size()) {
    return absl::DataLossError(fmt::format("content {}: {} shrank from {} to {} bytes while read",
                                           digest.str(), path, out.size(), done));
  }
  return out;
}

absl::Status Store::Verify(const Digest& digest) const {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenBlob(digest));
  std::string path = BlobPath(digest);
  Sha256 hash;
  BERTH_ASSIGN_OR_RETURN(int64_t size, ingest::HashFile(fd.get(), path, -1, hash));
  Digest actual = hash.Current();
  if (actual != digest) {
    return absl::DataLossError(fmt::format("content {} is corrupt: {} ({} bytes) hashes to {}",
                                           digest.str(), path, size, actual.str()));
  }
  return absl::OkStatus();
}

absl::Status Store::Delete(const Digest& digest) const {
  if (digest.empty()) return InvalidArgumentf("delete content: empty digest");
  std::string path = BlobPath(digest);
  if (::unlink(path.c_str()) < 0) {
    if (errno == ENOENT) return NotFoundBlob(digest);
    return ErrnoErrorf(errno, "remove {}", path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Writer>> Store::OpenWriter(const std::string& ref,
                                                          int64_t expected_size,
                                                          const Digest& expected_digest) const {
  if (ref.empty()) return InvalidArgumentf("open content writer: empty ref");
  if (expected_size < 0) {
    return InvalidArgumentf("open content writer for ref {:?}: negative size {}", ref,
                            expected_size);
  }
  if (hooks_.hold_ingest) BERTH_RETURN_IF_ERROR(hooks_.hold_ingest(ref));
  std::unique_ptr<Writer> w(new Writer());
  w->ref_ = ref;
  w->hold_blob_ = hooks_.hold_blob;
  w->dir_ = IngestDir(ref);
  w->data_path_ = JoinPath(w->dir_, ingest::kData);
  w->blobs_dir_ = blobs_dir_;
  BERTH_RETURN_IF_ERROR(w->Open(expected_size, expected_digest));
  return w;
}

absl::StatusOr<IngestStatus> Store::Status(const std::string& ref) const {
  if (ref.empty()) return InvalidArgumentf("ingest status: empty ref");
  return ingest::ReadStatus(IngestDir(ref), ref);
}

absl::StatusOr<std::vector<IngestStatus>> Store::ListStatuses() const {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadDirNames(ingest_root_));
  std::vector<IngestStatus> out;
  for (const std::string& name : names) {
    if (!Digest::FromHex(name).ok()) continue;  // being removed, or not ours
    absl::StatusOr<IngestStatus> status = ingest::ReadStatus(JoinPath(ingest_root_, name), name);
    if (!status.ok() && absl::IsNotFound(status.status())) continue;  // unfinished or gone
    if (!status.ok()) return status.status();
    out.push_back(*std::move(status));
  }
  std::sort(out.begin(), out.end(),
            [](const IngestStatus& a, const IngestStatus& b) { return a.ref < b.ref; });
  return out;
}

absl::Status Store::Abort(const std::string& ref) const {
  if (ref.empty()) return InvalidArgumentf("abort ingest: empty ref");
  std::string dir = IngestDir(ref);
  if (!PathExists(dir)) return NotFoundf("ingest for ref {:?}: not found", ref);
  BERTH_ASSIGN_OR_RETURN(UniqueFd lock, ingest::Lock(dir, ref));
  return ingest::Remove(dir);
}

}  // namespace berth::containerd::content
