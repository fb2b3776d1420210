#include "engined/volumes/resolve_mounts.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::volumes {
namespace {

using berth::testing::ValueOrFail;

struct Fixture {
  berth::testing::TempDir dir;
  std::unique_ptr<VolumeStore> store = ValueOrFail(VolumeStore::Open(dir.path()));
  std::map<std::string, std::vector<MountPoint>> containers;

  MountPointLookup Lookup() {
    return [this](const std::string& name) -> absl::StatusOr<std::vector<MountPoint>> {
      auto it = containers.find(name);
      if (it == containers.end()) return absl::NotFoundError("No such container: " + name);
      return it->second;
    };
  }
  absl::StatusOr<ResolvedMounts> Resolve(const std::string& id, const char* config,
                                         const char* host_config) {
    nlohmann::json c = nlohmann::json::parse(config);
    nlohmann::json h = nlohmann::json::parse(host_config);
    BERTH_ASSIGN_OR_RETURN(MountRequest req, MountRequestFromJson(id, c, h));
    return ResolveMounts(*store, req, Lookup());
  }
};

const MountPoint* Find(const ResolvedMounts& r, const std::string& dest) {
  for (const MountPoint& mp : r.mount_points) {
    if (mp.destination == dest) return &mp;
  }
  return nullptr;
}

TEST_CASE("binds, mounts, tmpfs and image volumes together", "[volumes]") {
  Fixture f;
  std::string host = f.dir.Sub("host/missing");  // -v creates it
  std::string existing = f.dir.Sub("exists");
  REQUIRE_OK(MkdirAll(existing));
  std::string hc = R"({"Binds":[")" + host + R"(:/h:ro","named:/n"],
      "Mounts":[{"Type":"bind","Source":")" +
                   existing + R"(","Target":"/m"},
                {"Type":"volume","Source":"mvol","Target":"/mv","VolumeOptions":{"Labels":{"l":"1"}}},
                {"Type":"volume","Target":"/manon"},
                {"Type":"tmpfs","Target":"/mt","TmpfsOptions":{"SizeBytes":1048576}}],
      "Tmpfs":{"/run":"rw,size=64m"}})";
  ResolvedMounts r =
      ValueOrFail(f.Resolve("c1", R"({"Volumes":{"/img":{},"/n":{},"/run":{}}})", hc.c_str()));
  CHECK(PathExists(host));

  const MountPoint* h = Find(r, "/h");
  REQUIRE(h != nullptr);
  CHECK(h->type == "bind");
  CHECK(h->source == host);
  CHECK_FALSE(h->rw);
  CHECK(h->mode == "ro");
  CHECK(h->oci.options == std::vector<std::string>{"rbind", "ro", "rprivate"});
  CHECK(h->oci.type == "bind");

  const MountPoint* n = Find(r, "/n");
  REQUIRE(n != nullptr);
  CHECK(n->type == "volume");
  CHECK(n->name == "named");
  CHECK(n->driver == "local");
  CHECK(n->mode == "z");
  CHECK(n->source == f.dir.path() + "/volumes/named/_data");
  CHECK(n->oci.source == n->source);
  CHECK(n->oci.options == std::vector<std::string>{"rbind", "rw", "rprivate"});

  CHECK(ValueOrFail(f.store->Get("mvol")).labels.at("l") == "1");
  const MountPoint* manon = Find(r, "/manon");
  REQUIRE(manon != nullptr);
  CHECK(manon->name.size() == 64);
  CHECK(ValueOrFail(f.store->Get(manon->name)).labels.count(kAnonymousLabel) == 1);

  const MountPoint* mt = Find(r, "/mt");
  REQUIRE(mt != nullptr);
  CHECK(mt->type == "tmpfs");
  CHECK(mt->source.empty());
  CHECK(mt->oci.type == "tmpfs");
  CHECK(mt->oci.options ==
        std::vector<std::string>{"noexec", "nosuid", "nodev", "rprivate", "size=1m"});

  // Config.Volumes: /img anonymous; /n and /run already mounted, skipped.
  const MountPoint* img = Find(r, "/img");
  REQUIRE(img != nullptr);
  CHECK(img->copy_data);
  CHECK(img->mode.empty());
  CHECK(img->anonymous);
  CHECK(Find(r, "/run") == nullptr);
  REQUIRE(r.tmpfs.size() == 1);
  CHECK(r.tmpfs[0].destination == "/run");
  CHECK(r.tmpfs[0].options ==
        std::vector<std::string>{"noexec", "nosuid", "nodev", "rprivate", "rw", "size=64m"});

  CHECK(r.volumes.size() == 4);  // named, mvol, manon, img
  for (const std::string& v : r.volumes) {
    CHECK(f.store->References(v) == std::vector<std::string>{"c1"});
  }
  CHECK(r.OciMounts().size() == 8);

  // Round trip through the record JSON.
  ResolvedMounts back = ValueOrFail(ResolvedMountsFromJson(ResolvedMountsToJson(r), "Mounts"));
  CHECK(ResolvedMountsToJson(back) == ResolvedMountsToJson(r));
  nlohmann::json api = MountPointToApiJson(*h);
  CHECK(api == nlohmann::json::parse(R"({"Type":"bind","Source":")" + host +
                                     R"(","Destination":"/h","Mode":"ro","RW":false,
                                         "Propagation":"rprivate"})"));

  REQUIRE_OK(ReleaseVolumes(*f.store, "c1", r, /*remove_anonymous=*/true));
  CHECK(f.store->Get(manon->name).status().code() == absl::StatusCode::kNotFound);
  CHECK(f.store->Get(img->name).status().code() == absl::StatusCode::kNotFound);
  CHECK(f.store->References("named").empty());
  CHECK(f.store->Get("named").ok());
}

TEST_CASE("duplicate mount points and bad specs", "[volumes]") {
  Fixture f;
  auto error = [&](const char* config, const char* hc) {
    absl::StatusOr<ResolvedMounts> r = f.Resolve("c1", config, hc);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(ToStd(r.status().message()));
  };
  CHECK(error("{}", R"({"Binds":["/a:/x","vol:/x/"]})") == "Duplicate mount point: /x");
  CHECK(error("{}", R"({"Binds":["/a:/x"],"Tmpfs":{"/x":""}})") == "Duplicate mount point: /x");
  CHECK(error("{}", R"({"Binds":["/tmp:/x"],"Mounts":[{"Type":"volume","Target":"/x"}]})") ==
        "Duplicate mount point: /x");
  CHECK(error("{}",
              R"({"Mounts":[{"Type":"volume","Target":"/x"},{"Type":"tmpfs","Target":"/x"}]})") ==
        "Duplicate mount point: /x");
  CHECK(error("{}", R"({"Binds":["/a:/b:bad"]})") == "invalid mode: bad");
  CHECK(error("{}", R"({"Binds":["/a:rel"]})").rfind("invalid volume specification: '/a:rel'", 0) ==
        0);
  CHECK(error("{}", R"({"Mounts":[{"Type":"bind","Source":"/berth-none","Target":"/x"}]})") ==
        "invalid mount config for type \"bind\": bind source path does not exist: /berth-none");
  CHECK(
      error(R"({"Volumes":{"rel":{}}})", "{}") ==
      "invalid volume specification: 'rel': invalid mount path: 'rel' mount path must be absolute");
  CHECK(error("{}", R"({"Tmpfs":{"rel":""}})") ==
        "invalid tmpfs mount: invalid mount path: 'rel' mount path must be absolute");
  CHECK(error("{}", R"({"Binds":["bad/name:/x"]})")
            .rfind("create bad/name: \"bad/name\" includes invalid characters", 0) == 0);

  // A failure after volumes were made leaves nothing held or anonymous behind.
  CHECK(error("{}", R"({"Binds":["keep:/a","/b","x/y:/c"]})").find("includes invalid") !=
        std::string::npos);
  std::vector<Volume> left = ValueOrFail(f.store->List({}));
  for (const Volume& v : left) {
    CHECK(v.name == "keep");
    CHECK(f.store->References(v.name).empty());
  }
}

TEST_CASE("volumes-from copies mounts, read-only on request, overridden by binds", "[volumes]") {
  Fixture f;
  ResolvedMounts src = ValueOrFail(
      f.Resolve("src", "{}", R"({"Binds":["shared:/data","/tmp:/hosttmp:rslave","other:/o"]})"));
  f.containers["src"] = src.mount_points;

  ResolvedMounts r =
      ValueOrFail(f.Resolve("dst", "{}", R"({"VolumesFrom":["src:ro"],"Binds":["/tmp:/o"]})"));
  const MountPoint* data = Find(r, "/data");
  REQUIRE(data != nullptr);
  CHECK(data->type == "volume");
  CHECK(data->name == "shared");
  CHECK_FALSE(data->rw);
  CHECK(data->mode.empty());
  CHECK(data->oci.options == std::vector<std::string>{"rbind", "ro", "rprivate"});
  const MountPoint* ht = Find(r, "/hosttmp");
  REQUIRE(ht != nullptr);
  CHECK(ht->propagation == "rslave");
  CHECK_FALSE(ht->rw);
  const MountPoint* o = Find(r, "/o");
  REQUIRE(o != nullptr);
  CHECK(o->type == "bind");
  CHECK(f.store->References("shared") == std::vector<std::string>{"dst", "src"});
  CHECK(f.store->References("other") == std::vector<std::string>{"src"});

  r = ValueOrFail(f.Resolve("dst2", "{}", R"({"VolumesFrom":["src"]})"));
  CHECK(Find(r, "/data")->rw);

  absl::StatusOr<ResolvedMounts> bad = f.Resolve("x", "{}", R"({"VolumesFrom":["ghost"]})");
  CHECK(bad.status().code() == absl::StatusCode::kNotFound);
  bad = f.Resolve("x", "{}", R"({"VolumesFrom":["src:shared"]})");
  CHECK(ToStd(bad.status().message()) == "invalid mode: shared");

  // Re-acquire after a daemon restart restores the references.
  auto reopened = ValueOrFail(VolumeStore::Open(f.dir.path()));
  CHECK(reopened->References("shared").empty());
  REQUIRE_OK(ReacquireVolumes(*reopened, "src", src));
  CHECK(reopened->References("shared") == std::vector<std::string>{"src"});
  CHECK(reopened->Remove("shared", true).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("tmpfs option merging keeps the last of each pair", "[volumes]") {
  CHECK(TmpfsOciOptions("") == std::vector<std::string>{"noexec", "nosuid", "nodev", "rprivate"});
  CHECK(TmpfsOciOptions("exec,size=1m,size=2m,shared") ==
        std::vector<std::string>{"nosuid", "nodev", "exec", "size=2m", "shared"});
  CHECK(TmpfsOciOptions("ro,rw") ==
        std::vector<std::string>{"noexec", "nosuid", "nodev", "rprivate", "rw"});
}

}  // namespace
}  // namespace berth::engined::volumes
