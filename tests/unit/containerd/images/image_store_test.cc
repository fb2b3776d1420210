#include "containerd/core/images/image_store.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/strings.h"
#include "containerd/core/metadata/namespaces.h"
#include "tests/testutil/status_testing.h"
#include "tests/testutil/temp_dir.h"

namespace berth::containerd::images {
namespace {

using testing::ValueOrFail;

struct Env {
  Env() : dir("berth-images") {
    store = ValueOrFail(metadata::Store::Open(dir.Sub("metadata.db")));
  }
  absl::StatusOr<Image> Create(const Image& image, const std::string& ns = "default") {
    return store->UpdateValue(
        [&](metadata::Transaction& tx) { return ImageStore(tx, ns).Create(image); });
  }
  absl::StatusOr<std::vector<Image>> List(const std::vector<std::string>& filters) {
    return store->ViewValue(
        [&](metadata::Transaction& tx) { return ImageStore(tx, "default").List(filters); });
  }
  testing::TempDir dir;
  std::unique_ptr<metadata::Store> store;
};

Image MakeImage(const std::string& name, const std::string& data,
                std::string_view media_type = kMediaTypeOciManifest) {
  Image image;
  image.name = name;
  image.target.media_type = std::string(media_type);
  image.target.digest = content::Digest::Of(data);
  image.target.size = static_cast<int64_t>(data.size());
  return image;
}

std::vector<std::string> Names(const std::vector<Image>& images) {
  std::vector<std::string> out;
  for (const Image& i : images) out.push_back(i.name);
  return out;
}

TEST_CASE("image records: create, get, update, delete", "[images][store]") {
  Env env;
  Image image = MakeImage("docker.io/library/busybox:latest", "m1");
  image.labels = {{"a", "1"}, {"empty", ""}};
  image.target.annotations = {{"dropped", "yes"}};
  Image created = ValueOrFail(env.Create(image));
  CHECK(created.labels == Labels{{"a", "1"}});
  CHECK(created.target.annotations.empty());
  CHECK(created.created_at == created.updated_at);

  Image got = ValueOrFail(env.store->ViewValue([&](metadata::Transaction& tx) {
    return ImageStore(tx, "default").Get("docker.io/library/busybox:latest");
  }));
  CHECK(got == created);

  CHECK(absl::IsAlreadyExists(env.Create(image).status()));
  CHECK(absl::IsInvalidArgument(env.Create(MakeImage("bad name", "x")).status()));
  CHECK(absl::IsInvalidArgument(env.Create(MakeImage("", "x")).status()));
  Image no_size = MakeImage("nosize", "");
  CHECK(absl::IsInvalidArgument(env.Create(no_size).status()));

  SECTION("update by field mask") {
    Image change = MakeImage(image.name, "m2", kMediaTypeOciIndex);
    change.labels = {{"b", "2"}};
    Image updated = ValueOrFail(env.store->UpdateValue([&](metadata::Transaction& tx) {
      return ImageStore(tx, "default").Update(change, {"labels.b"});
    }));
    CHECK(updated.labels == Labels{{"a", "1"}, {"b", "2"}});
    CHECK(updated.target == created.target);
    CHECK(updated.updated_at > created.updated_at);

    updated = ValueOrFail(env.store->UpdateValue([&](metadata::Transaction& tx) {
      return ImageStore(tx, "default").Update(change, {"target"});
    }));
    CHECK(updated.target.media_type == kMediaTypeOciIndex);
    CHECK(updated.target.digest == content::Digest::Of("m2"));

    updated = ValueOrFail(env.store->UpdateValue(
        [&](metadata::Transaction& tx) { return ImageStore(tx, "default").Update(change, {}); }));
    CHECK(updated.labels == Labels{{"b", "2"}});

    CHECK(absl::IsInvalidArgument(env.store->Update([&](metadata::Transaction& tx) {
      return ImageStore(tx, "default").Update(change, {"name"}).status();
    })));
    Image missing = MakeImage("missing", "x");
    CHECK(absl::IsNotFound(env.store->Update([&](metadata::Transaction& tx) {
      return ImageStore(tx, "default").Update(missing, {}).status();
    })));
  }

  SECTION("delete") {
    REQUIRE_OK(env.store->Update(
        [&](metadata::Transaction& tx) { return ImageStore(tx, "default").Delete(image.name); }));
    CHECK(absl::IsNotFound(env.store->Update(
        [&](metadata::Transaction& tx) { return ImageStore(tx, "default").Delete(image.name); })));
  }
}

TEST_CASE("image records: list filters", "[images][store]") {
  Env env;
  Image a = MakeImage("docker.io/library/busybox:1", "a");
  a.labels = {{"app", "web"}};
  Image b = MakeImage("docker.io/library/busybox:2", "b", kMediaTypeOciIndex);
  Image c = MakeImage("example.com/other:1", "c", kMediaTypeDockerManifest);
  c.labels = {{"app", "db"}};
  for (const Image& i : {c, a, b}) REQUIRE_OK(env.Create(i).status());
  REQUIRE_OK(env.Create(MakeImage("elsewhere:1", "d"), "other").status());

  using V = std::vector<std::string>;
  CHECK(Names(ValueOrFail(env.List({}))) == V{a.name, b.name, c.name});
  CHECK(Names(ValueOrFail(env.List({"name==" + b.name}))) == V{b.name});
  CHECK(Names(ValueOrFail(env.List({"name~=busybox"}))) == V{a.name, b.name});
  CHECK(Names(ValueOrFail(env.List({"target.digest==" + c.target.digest.str()}))) == V{c.name});
  CHECK(Names(ValueOrFail(env.List({"target.mediatype==" + std::string(kMediaTypeOciIndex)}))) ==
        V{b.name});
  CHECK(Names(ValueOrFail(env.List({"labels.app==web", "labels.app==db"}))) == V{a.name, c.name});
  CHECK(Names(ValueOrFail(env.List({"labels.app"}))) == V{a.name, c.name});
  CHECK(absl::IsInvalidArgument(env.List({"labels.=="}).status()));
}

TEST_CASE("a namespace with images cannot be deleted", "[images][store]") {
  Env env;
  env.store->AddNamespaceUsageCheck(ImageStore::UsageCheck());
  REQUIRE_OK(env.Create(MakeImage("busybox:latest", "x"), "ns1").status());
  absl::Status s = env.store->Update(
      [&](metadata::Transaction& tx) { return metadata::NamespaceStore(tx).Delete("ns1"); });
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(std::string(ToStd(s.message())).find("images") != std::string::npos);
  REQUIRE_OK(env.store->Update(
      [&](metadata::Transaction& tx) { return ImageStore(tx, "ns1").Delete("busybox:latest"); }));
  REQUIRE_OK(env.store->Update(
      [&](metadata::Transaction& tx) { return metadata::NamespaceStore(tx).Delete("ns1"); }));
}

}  // namespace
}  // namespace berth::containerd::images
