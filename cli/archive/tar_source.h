// A tar of a local file or directory, produced piece by piece as an upload
// pulls it (nothing is held but the current piece), named as docker's
// TarResourceRebase names it: the top entry is the path's base name ("."
// for "dir/."), children below it in lexical order, then `rebases`.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/archive/copy_paths.h"
#include "common/unique_fd.h"

namespace berth::cli::archive {

class LocalTarSource {
 public:
  // `path` must exist; a symlink at `path` is archived as a symlink.
  static absl::StatusOr<std::unique_ptr<LocalTarSource>> Create(const std::string& path,
                                                                std::vector<Rebase> rebases);

  // The next piece of the archive; "" after its end.
  absl::StatusOr<std::string> Next();

  // Bytes of archive produced so far.
  int64_t bytes() const { return bytes_; }

 private:
  struct Dir {
    std::string path;  // on disk
    std::string name;  // in the archive, before rebasing
    std::vector<std::string> children;
    size_t next = 0;
  };

  LocalTarSource(std::string root_path, std::string root_name, std::vector<Rebase> rebases)
      : root_path_(std::move(root_path)),
        root_name_(std::move(root_name)),
        rebases_(std::move(rebases)) {}

  absl::StatusOr<std::string> Produce();
  // The header of `path` (named `name`), opening its data or its directory.
  absl::StatusOr<std::string> Add(const std::string& path, const std::string& name);
  absl::StatusOr<std::string> ReadData();

  std::string root_path_;
  std::string root_name_;
  std::vector<Rebase> rebases_;
  bool started_ = false;
  bool finished_ = false;
  std::vector<Dir> stack_;
  UniqueFd file_;
  std::string file_path_;
  int64_t file_size_ = 0;
  int64_t file_left_ = 0;
  std::map<std::pair<dev_t, ino_t>, std::string> seen_;  // hardlinked inodes
  int64_t bytes_ = 0;
};

}  // namespace berth::cli::archive
