#include "engined/spec/user.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/unique_fd.h"

namespace berth::engined::spec {
namespace {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::optional<uint32_t> ParseId(std::string_view s) {
  std::optional<uint64_t> v = ParseUint64(s);
  if (!v || *v > 0xffffffffULL) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

// Lines of "a:b:c..." with at least `min_fields`; comments and malformed
// lines are skipped as libc does.
std::vector<std::vector<std::string>> ColonLines(const std::string& text, size_t min_fields) {
  std::vector<std::vector<std::string>> out;
  for (std::string_view line : Split(text, '\n', true)) {
    line = TrimSpace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = SplitToStrings(line, ':');
    if (f.size() >= min_fields) out.push_back(std::move(f));
  }
  return out;
}

std::vector<PasswdEntry> ParsePasswd(const std::string& text) {
  std::vector<PasswdEntry> out;
  for (auto& f : ColonLines(text, 4)) {
    std::optional<uint32_t> uid = ParseId(f[2]), gid = ParseId(f[3]);
    if (!uid || !gid) continue;
    out.push_back({f[0], *uid, *gid, f.size() > 5 ? f[5] : ""});
  }
  return out;
}

std::vector<GroupEntry> ParseGroup(const std::string& text) {
  std::vector<GroupEntry> out;
  for (auto& f : ColonLines(text, 3)) {
    std::optional<uint32_t> gid = ParseId(f[2]);
    if (!gid) continue;
    out.push_back(
        {f[0], *gid, f.size() > 3 ? SplitToStrings(f[3], ',', true) : std::vector<std::string>{}});
  }
  return out;
}

absl::StatusOr<uint32_t> ResolveGroup(const std::vector<GroupEntry>& groups,
                                      const std::string& group) {
  for (const GroupEntry& g : groups) {
    if (g.name == group) return g.gid;
  }
  if (std::optional<uint32_t> id = ParseId(group)) return *id;
  return InvalidArgumentf("unable to find group {}: no matching entries in group file", group);
}

}  // namespace

absl::StatusOr<std::string> ReadFileInRoot(const std::string& rootfs, const std::string& rel_path) {
  UniqueFd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.ok()) return ErrnoErrorf(errno, "open rootfs {}", rootfs);
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(syscall(SYS_openat2, root.get(), rel_path.c_str(), &how, sizeof(how)));
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::string();
    return ErrnoErrorf(errno, "open {} in {}", rel_path, rootfs);
  }
  UniqueFd file(fd);
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = read(file.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoErrorf(errno, "read {} in {}", rel_path, rootfs);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > (16u << 20))
      return InvalidArgumentf("{} in {}: file too large", rel_path, rootfs);
  }
  return text;
}

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& rootfs, const std::string& user,
                                         const std::vector<std::string>& group_add) {
  BERTH_ASSIGN_OR_RETURN(std::string passwd_text, ReadFileInRoot(rootfs, "etc/passwd"));
  BERTH_ASSIGN_OR_RETURN(std::string group_text, ReadFileInRoot(rootfs, "etc/group"));
  std::vector<PasswdEntry> passwd = ParsePasswd(passwd_text);
  std::vector<GroupEntry> groups = ParseGroup(group_text);

  auto [user_part, group_part] = SplitOnce(user, ':');
  std::string name(user_part.empty() ? "0" : user_part);

  ResolvedUser out;
  std::string user_name;
  const PasswdEntry* entry = nullptr;
  for (const PasswdEntry& p : passwd) {
    if (p.name == name) {
      entry = &p;
      break;
    }
  }
  std::optional<uint32_t> numeric = ParseId(name);
  if (entry == nullptr && numeric) {
    for (const PasswdEntry& p : passwd) {
      if (p.uid == *numeric) {
        entry = &p;
        break;
      }
    }
  }
  if (entry != nullptr) {
    out.uid = entry->uid;
    out.gid = entry->gid;
    out.home = entry->home.empty() ? "/" : entry->home;
    user_name = entry->name;
  } else if (numeric) {
    out.uid = *numeric;  // a uid the image does not list: gid 0, like docker
  } else {
    return InvalidArgumentf("unable to find user {}: no matching entries in passwd file", name);
  }

  if (group_part && !group_part->empty()) {
    BERTH_ASSIGN_OR_RETURN(out.gid, ResolveGroup(groups, std::string(*group_part)));
  } else if (!user_name.empty()) {
    for (const GroupEntry& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), user_name) != g.members.end() &&
          std::find(out.additional_gids.begin(), out.additional_gids.end(), g.gid) ==
              out.additional_gids.end()) {
        out.additional_gids.push_back(g.gid);
      }
    }
  }
  for (const std::string& g : group_add) {
    absl::StatusOr<uint32_t> gid = ResolveGroup(groups, g);
    if (!gid.ok()) return WithContext(gid.status(), "HostConfig.GroupAdd");
    if (std::find(out.additional_gids.begin(), out.additional_gids.end(), *gid) ==
        out.additional_gids.end()) {
      out.additional_gids.push_back(*gid);
    }
  }
  return out;
}

absl::StatusOr<std::pair<uint32_t, uint32_t>> ResolveCopyOwner(const std::string& rootfs,
                                                               const std::string& user) {
  auto [user_part, group_part] = SplitOnce(user, ':');
  uint32_t uid = 0, gid = 0;
  // moby's getIDOrName: a number within int32 is an ID, anything else a name.
  auto id_of = [](std::string_view s) -> std::optional<uint32_t> {
    std::optional<uint32_t> id = ParseId(s);
    if (id && *id > 0x7fffffffU) return std::nullopt;
    return id;
  };
  if (!user_part.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string passwd_text, ReadFileInRoot(rootfs, "etc/passwd"));
    std::vector<PasswdEntry> passwd = ParsePasswd(passwd_text);
    std::optional<uint32_t> id = id_of(user_part);
    const PasswdEntry* found = nullptr;
    for (const PasswdEntry& p : passwd) {
      if (id ? p.uid == *id : p.name == user_part) {
        found = &p;
        break;
      }
    }
    if (found != nullptr) {
      uid = found->uid;
      gid = found->gid;
    } else if (id) {
      uid = *id;  // as docker run: an unlisted uid has gid 0
    } else {
      return InvalidArgumentf(
          "failed to look up user {:?} in container: no matching entries in passwd file",
          std::string(user_part));
    }
  }
  if (group_part && !group_part->empty()) {
    if (std::optional<uint32_t> id = id_of(*group_part)) {
      gid = *id;
    } else {
      BERTH_ASSIGN_OR_RETURN(std::string group_text, ReadFileInRoot(rootfs, "etc/group"));
      bool found = false;
      for (const GroupEntry& g : ParseGroup(group_text)) {
        if (g.name == *group_part) {
          gid = g.gid;
          found = true;
          break;
        }
      }
      if (!found) {
        return InvalidArgumentf(
            "failed to look up group {:?} in container: no matching entries in group file",
            std::string(*group_part));
      }
    }
  }
  return std::make_pair(uid, gid);
}

}  // namespace berth::engined::spec
