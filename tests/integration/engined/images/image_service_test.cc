// ImageService over a real berth-containerd: load, list, inspect, history,
// tag, rmi conflicts, short IDs, save/load, import; push and pull through
// Debian's docker-registry, with X-Registry-Auth credentials.
#include "engined/images/image_service.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/file_util.h"
#include "common/spawn.h"
#include "tests/integration/containerd/daemon_fixture.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/registry_server.h"

namespace berth::testing {
namespace {

using engined::ContainerdClient;
using engined::images::ImageService;
using engined::images::ResolvedImage;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Env {
  DaemonFixture f;
  ContainerdClient client{f.socket()};
  std::vector<std::string> using_ids;
  ImageService images{client, [this](const std::string&) { return using_ids; }};
  Env() { f.UseNamespace("moby"); }
};

// Loads a 3-layer busybox docker-save archive tagged `tag`; its info.
testimage::ImageInfo LoadBusybox(Env& e, const std::string& tag) {
  testimage::ImageOptions options;
  options.layers = testimage::SampleLayers(3);
  options.name = "busybox";
  options.tag = tag;
  options.labels = {{"org.berth.test", "yes"}};
  std::string path = e.f.Path("busybox-" + tag + ".tar");
  absl::StatusOr<testimage::ImageInfo> built = testimage::CreateDockerArchive(path, options);
  REQUIRE(built.ok());
  std::vector<nlohmann::json> messages;
  absl::Status s = e.images.Load(ReadAll(path), true, [&](const nlohmann::json& m) {
    messages.push_back(m);
    return true;
  });
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["stream"] == "Loaded image: busybox:" + tag + "\n");
  return *built;
}

TEST_CASE("load, list, inspect, history, tag, rmi, save and import", "[engined][images]") {
  Env e;
  testimage::ImageInfo info = LoadBusybox(e, "latest");

  absl::StatusOr<ResolvedImage> img = e.images.Resolve("busybox");
  INFO(img.status().message());
  REQUIRE(img.ok());
  CHECK(img->id == info.config_digest);
  CHECK(img->name == "docker.io/library/busybox:latest");
  CHECK(img->repo_tags == std::vector<std::string>{"busybox:latest"});
  CHECK(img->diff_ids.size() == 3);
  absl::StatusOr<std::string> chain = e.images.EnsureUnpacked(*img);
  REQUIRE(chain.ok());
  CHECK(*chain == img->chain_id);

  // Short and full IDs; unknown names.
  CHECK(e.images.Resolve(img->id.substr(7, 12))->id == img->id);
  CHECK(e.images.Resolve(img->id)->id == img->id);
  absl::StatusOr<ResolvedImage> missing = e.images.Resolve("nope:1");
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(missing.status().message() == "No such image: nope:1");

  absl::StatusOr<nlohmann::json> list = e.images.List(false, "", false);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0]["RepoTags"] == nlohmann::json({"busybox:latest"}));
  CHECK((*list)[0]["Labels"]["org.berth.test"] == "yes");
  CHECK(e.images.List(false, R"({"dangling":["true"]})", false)->empty());
  CHECK(e.images.List(false, R"({"label":["org.berth.test=no"]})", false)->empty());
  CHECK(e.images.List(false, R"({"reference":["busy*"]})", false)->size() == 1);
  CHECK(absl::IsInvalidArgument(e.images.List(false, R"({"bogus":["1"]})", false).status()));

  absl::StatusOr<nlohmann::json> inspect = e.images.Inspect("busybox:latest");
  REQUIRE(inspect.ok());
  CHECK((*inspect)["Id"] == img->id);
  CHECK((*inspect)["RootFS"]["Layers"].size() == 3);
  CHECK((*inspect)["GraphDriver"]["Name"] == "overlay2");
  CHECK((*inspect)["Os"] == "linux");
  CHECK((*inspect)["Config"]["Cmd"] == nlohmann::json({"sh"}));
  absl::StatusOr<nlohmann::json> history = e.images.History("busybox");
  REQUIRE(history.ok());
  REQUIRE(!history->empty());
  CHECK((*history)[0]["Id"] == img->id);

  // Tag; bad repositories name themselves.
  REQUIRE(e.images.Tag("busybox", "localhost:5000/bb", "2").ok());
  absl::Status bad = e.images.Tag("busybox", "Bad/Repo", "");
  CHECK(absl::IsInvalidArgument(bad));
  CHECK(std::string(bad.message()).find("Bad/Repo") != std::string::npos);
  CHECK(e.images.Resolve("localhost:5000/bb:2")->id == img->id);

  // rmi: an ID with two names needs force; a name just untags.
  absl::StatusOr<nlohmann::json> conflict = e.images.Delete(img->id.substr(7, 12), false, false);
  CHECK(absl::IsFailedPrecondition(conflict.status()));
  CHECK(std::string(conflict.status().message()).find("referenced in multiple repositories") !=
        std::string::npos);
  absl::StatusOr<nlohmann::json> untagged = e.images.Delete("localhost:5000/bb:2", false, false);
  REQUIRE(untagged.ok());
  CHECK(*untagged == nlohmann::json::parse(R"([{"Untagged":"localhost:5000/bb:2"}])"));
  // Used by a container: 409 unless forced.
  e.using_ids = {"0123456789abcdef0123"};
  CHECK(absl::IsFailedPrecondition(e.images.Delete("busybox", false, false).status()));
  e.using_ids.clear();

  // save -> rmi -> load gives the same ID back.
  std::string saved;
  REQUIRE(e.images
              .Save({"busybox"},
                    [&](std::string_view d) {
                      saved.append(d);
                      return true;
                    })
              .ok());
  CHECK(saved.size() > 1024);
  absl::StatusOr<nlohmann::json> removed = e.images.Delete("busybox", false, false);
  REQUIRE(removed.ok());
  CHECK(removed->back()["Deleted"] == img->id);
  CHECK(absl::IsNotFound(e.images.Resolve("busybox").status()));
  std::vector<nlohmann::json> loaded;
  REQUIRE(e.images
              .Load(saved, false,
                    [&](const nlohmann::json& m) {
                      loaded.push_back(m);
                      return true;
                    })
              .ok());
  // Not quiet: a "Loading layer" line for each layer whose snapshot the
  // collector had already removed, then the "Loaded image" line.
  REQUIRE_FALSE(loaded.empty());
  CHECK(loaded.back()["stream"] == "Loaded image: busybox:latest\n");
  for (size_t i = 0; i + 1 < loaded.size(); ++i) {
    CHECK(loaded[i].value("status", "") == "Loading layer");
    CHECK(loaded[i]["progressDetail"]["current"] == loaded[i]["progressDetail"]["total"]);
  }
  CHECK(e.images.Resolve("busybox")->id == img->id);

  // Import a rootfs tarball with changes.
  std::string tar = e.f.Path("rootfs.tar");
  // Through the reaper (it owns every child's status), without a shell.
  SpawnOptions tar_cmd;
  tar_cmd.argv = {"tar", "-C", e.f.rootfs(), "-cf", tar, "."};
  tar_cmd.search_path = true;
  absl::StatusOr<SpawnResult> tarred =
      RunCommand(tar_cmd, "", std::chrono::seconds(60), e.f.Path(""));
  REQUIRE(tarred.ok());
  INFO(tarred->err);
  REQUIRE(tarred->status.success());
  absl::StatusOr<std::string> imported = e.images.Import(
      ReadAll(tar), "imported", "v1", "from a test", {"CMD [\"/bin/sh\"]", "ENV A=b", "LABEL x=y"});
  INFO(imported.status().message());
  REQUIRE(imported.ok());
  absl::StatusOr<nlohmann::json> ii = e.images.Inspect("imported:v1");
  REQUIRE(ii.ok());
  CHECK((*ii)["Id"] == *imported);
  CHECK((*ii)["Comment"] == "from a test");
  CHECK((*ii)["Config"]["Labels"]["x"] == "y");
  CHECK((*ii)["RootFS"]["Layers"].size() == 1);
  absl::StatusOr<ResolvedImage> imp = e.images.Resolve("imported:v1");
  REQUIRE(imp.ok());
  CHECK(e.images.EnsureUnpacked(*imp).ok());
  // An import over the same tag leaves the old image dangling; prune removes it.
  REQUIRE(e.images.Import(ReadAll(tar), "imported", "v1", "again", {}).ok());
  CHECK(e.images.List(false, R"({"dangling":["true"]})", false)->size() == 1);
  absl::StatusOr<nlohmann::json> pruned = e.images.Prune("");
  REQUIRE(pruned.ok());
  CHECK((*pruned)["ImagesDeleted"].size() >= 1);
  CHECK(e.images.List(false, R"({"dangling":["true"]})", false)->empty());
  absl::StatusOr<nlohmann::json> df = e.images.DiskUsage();
  REQUIRE(df.ok());
  CHECK(df->size() == 2);
}

std::vector<std::string> Statuses(const std::vector<nlohmann::json>& messages) {
  std::vector<std::string> out;
  for (const nlohmann::json& m : messages) {
    if (m.contains("status")) out.push_back(m["status"].get<std::string>());
    if (m.contains("error")) out.push_back("error: " + m["error"].get<std::string>());
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& prefix) {
  for (const std::string& s : v) {
    if (s.starts_with(prefix)) return true;
  }
  return false;
}

TEST_CASE("push to and pull from a registry, with X-Registry-Auth", "[engined][images][pull]") {
  Env e;
  LoadBusybox(e, "latest");
  RegistryServer registry(/*basic_auth=*/true);
  std::string remote = registry.host() + "/berth/bb";
  REQUIRE(e.images.Tag("busybox", remote, "1").ok());
  ctrpb::RegistryAuth auth;
  auth.set_username(kRegistryUser);
  auth.set_password(kRegistryPassword);
  auth.set_server_address(registry.host());

  // Without credentials: an error before anything streams.
  std::vector<nlohmann::json> messages;
  auto sink = [&](const nlohmann::json& m) {
    messages.push_back(m);
    return true;
  };
  absl::Status denied = e.images.Push({remote + ":1", "", std::nullopt}, sink);
  bool failed = !denied.ok() || Has(Statuses(messages), "error:");
  CHECK(failed);

  messages.clear();
  absl::Status pushed = e.images.Push({remote, "1", auth}, sink);
  INFO(pushed.message());
  REQUIRE(pushed.ok());
  std::vector<std::string> st = Statuses(messages);
  INFO(nlohmann::json(messages).dump());
  CHECK(st.front() == "The push refers to repository [" + remote + "]");
  CHECK(Has(st, "Preparing"));
  CHECK(Has(st, "Pushed"));
  CHECK(Has(st, "1: digest: sha256:"));
  CHECK(messages.back()["aux"]["Tag"] == "1");
  CHECK_FALSE(Has(st, "error:"));

  // A second push finds every layer there.
  messages.clear();
  REQUIRE(e.images.Push({remote, "1", auth}, sink).ok());
  CHECK(Has(Statuses(messages), "Layer already exists"));

  // Pull it back after removing the local copy.
  REQUIRE(e.images.Delete(remote + ":1", false, false).ok());
  REQUIRE(e.images.Delete("busybox", true, false).ok());
  e.f.CollectGarbage();
  messages.clear();
  absl::Status pulled = e.images.Pull({remote, "1", "", auth}, sink);
  INFO(pulled.message());
  REQUIRE(pulled.ok());
  st = Statuses(messages);
  INFO(nlohmann::json(messages).dump());
  CHECK(st.front() == "Pulling from berth/bb");
  CHECK(Has(st, "Pulling fs layer"));
  CHECK(Has(st, "Download complete"));
  CHECK(Has(st, "Pull complete"));
  CHECK(Has(st, "Digest: sha256:"));
  CHECK(st.back() == "Status: Downloaded newer image for " + remote + ":1");
  absl::StatusOr<ResolvedImage> img = e.images.Resolve(remote + ":1");
  REQUIRE(img.ok());
  CHECK(e.images.EnsureUnpacked(*img).ok());

  messages.clear();
  REQUIRE(e.images.Pull({remote, "1", "", auth}, sink).ok());
  CHECK(Statuses(messages).back() == "Status: Image is up to date for " + remote + ":1");

  // A missing tag fails before streaming, naming the reference.
  messages.clear();
  absl::Status missing = e.images.Pull({remote, "nope", "", auth}, sink);
  CHECK(absl::IsNotFound(missing));
  CHECK(std::string(missing.message()).find(remote + ":nope") != std::string::npos);
  CHECK(messages.empty());
}

}  // namespace
}  // namespace berth::testing
