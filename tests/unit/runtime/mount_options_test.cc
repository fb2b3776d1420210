#include "runtime/linux/mount_options.h"

#include <linux/mount.h>
#include <sys/mount.h>

#include <catch2/catch.hpp>

namespace berth::runtime::linux {
namespace {

TEST_CASE("flags, clears, propagation and data are separated", "[mount_options]") {
  MountOptions o = ParseMountOptions(
      {"nosuid", "noexec", "nodev", "ro", "mode=755", "size=65536k", "rslave", "strictatime"});
  CHECK(o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY | MS_STRICTATIME));
  CHECK(o.data == "mode=755,size=65536k");
  REQUIRE(o.propagation.size() == 1);
  CHECK(o.propagation[0] == (MS_SLAVE | MS_REC));
}

TEST_CASE("later options override earlier ones", "[mount_options]") {
  MountOptions o = ParseMountOptions({"ro", "rw", "nosuid", "suid"});
  CHECK(o.flags == 0);
  CHECK((o.cleared & MS_RDONLY) != 0);
  CHECK((o.cleared & MS_NOSUID) != 0);
}

TEST_CASE("bind and rbind", "[mount_options]") {
  CHECK(ParseMountOptions({"bind"}).IsBind());
  CHECK_FALSE(ParseMountOptions({"bind"}).IsRecursiveBind());
  CHECK(ParseMountOptions({"rbind"}).IsRecursiveBind());
  CHECK_FALSE(ParseMountOptions({"ro"}).IsBind());
}

TEST_CASE("recursive attributes go to mount_setattr", "[mount_options]") {
  MountOptions o = ParseMountOptions({"rro", "rnosuid", "rnoatime"});
  CHECK(o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME));
  CHECK((o.attr_clr & MOUNT_ATTR__ATIME) == MOUNT_ATTR__ATIME);
  MountOptions r = ParseMountOptions({"rro", "rrw"});
  CHECK(r.attr_set == 0);
  CHECK(r.attr_clr == MOUNT_ATTR_RDONLY);
}

TEST_CASE("extensions", "[mount_options]") {
  CHECK(ParseMountOptions({"tmpcopyup"}).tmpcopyup);
  MountOptions o = ParseMountOptions({"ridmap"});
  CHECK(o.idmap);
  CHECK(o.idmap_recursive);
  CHECK(o.data.empty());
}

TEST_CASE("known options cover runc's list", "[mount_options]") {
  std::vector<std::string> known = KnownMountOptions();
  for (const char* name : {"bind", "rbind", "ro", "rw", "nosuid", "rprivate", "rro", "tmpcopyup",
                           "idmap", "nosymfollow", "rnosymfollow", "lazytime"}) {
    CHECK(std::find(known.begin(), known.end(), name) != known.end());
  }
  CHECK(ParsePropagation("rshared").ok());
  CHECK_FALSE(ParsePropagation("bogus").ok());
}

}  // namespace
}  // namespace berth::runtime::linux
