#include "containerd/core/content/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/time_util.h"
#include "tests/unit/containerd/content/test_util.h"

namespace berth::containerd::content {
namespace {

using testing::ValueOrFail;

TEST_CASE("content store: open creates the layout", "[content][store]") {
  TestStore store;
  struct stat st;
  REQUIRE(::stat(store.Path("blobs/sha256").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  REQUIRE(::stat(store.Path("ingest").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(ValueOrFail(store->List()).empty());
  CHECK(ValueOrFail(store->ListStatuses()).empty());
  CHECK(absl::IsInvalidArgument(Store::Open("").status()));
}

TEST_CASE("content store: write, commit and read back", "[content][store]") {
  TestStore store;
  const std::string data = "{\"schemaVersion\":2,\"layers\":[]}";
  const Digest digest = Digest::Of(data);
  struct timespec before = RealtimeNow();

  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("manifest-1"));
  CHECK(w->ref() == "manifest-1");
  CHECK(w->offset() == 0);
  REQUIRE_OK(w->Write(data.substr(0, 10)));
  REQUIRE_OK(w->Write(""));
  REQUIRE_OK(w->Write(data.substr(10)));
  CHECK(w->offset() == static_cast<int64_t>(data.size()));
  CHECK(w->digest() == digest);
  REQUIRE_OK(w->Commit(static_cast<int64_t>(data.size()), digest));

  // The writer is done: the ingest is gone and the writer refuses more.
  CHECK(absl::IsFailedPrecondition(w->Write("x")));
  CHECK(absl::IsFailedPrecondition(w->Commit()));
  CHECK(absl::IsNotFound(store->Status("manifest-1").status()));
  CHECK(ValueOrFail(ReadDirNamesForTest(store.Path("ingest"))).empty());

  BlobInfo info = ValueOrFail(store->Info(digest));
  CHECK(info.digest == digest);
  CHECK(info.size == static_cast<int64_t>(data.size()));
  CHECK(info.created_at >= Timestamp(std::chrono::seconds(before.tv_sec)));
  CHECK(info.updated_at >= info.created_at - std::chrono::seconds(1));
  CHECK(ValueOrFail(store->List()) == std::vector<BlobInfo>{info});

  std::string path = store.Path("blobs/sha256/" + digest.hex());
  CHECK(store->BlobPath(digest) == path);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0444);

  CHECK(ValueOrFail(store->ReadBlob(digest, 1 << 20)) == data);
  CHECK(ValueOrFail(store->ReadBlob(digest, static_cast<int64_t>(data.size()))) == data);
  absl::Status too_big = store->ReadBlob(digest, 5).status();
  CHECK(absl::IsFailedPrecondition(too_big));
  CHECK(Message(too_big).find(digest.str()) != std::string::npos);

  UniqueFd fd = ValueOrFail(store->OpenBlob(digest));
  char buf[6] = {};
  REQUIRE(::pread(fd.get(), buf, 5, 2) == 5);
  CHECK(std::string(buf) == data.substr(2, 5));
  CHECK(::write(fd.get(), "x", 1) < 0);  // read-only
  CHECK((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE_OK(store->Verify(digest));

  // A fresh store on the same root sees it too.
  store.Reopen();
  CHECK(ValueOrFail(store->Info(digest)) == info);
}

TEST_CASE("content store: missing blobs are NotFound naming the digest", "[content][store]") {
  TestStore store;
  Digest d = Digest::Of("nothing");
  for (absl::Status s : {store->Info(d).status(), store->OpenBlob(d).status(),
                         store->ReadBlob(d, 10).status(), store->Verify(d), store->Delete(d)}) {
    CHECK(absl::IsNotFound(s));
    CHECK(Message(s).find(d.str()) != std::string::npos);
  }
  CHECK(absl::IsInvalidArgument(store->Info(Digest()).status()));
  CHECK(absl::IsInvalidArgument(store->OpenBlob(Digest()).status()));
  CHECK(absl::IsInvalidArgument(store->Delete(Digest())));
}

TEST_CASE("content store: delete removes a blob", "[content][store]") {
  TestStore store;
  Digest a = Put(*store, "a", "aaa");
  Digest b = Put(*store, "b", "bbb");
  CHECK(ValueOrFail(store->List()).size() == 2);
  REQUIRE_OK(store->Delete(a));
  CHECK(absl::IsNotFound(store->Info(a).status()));
  CHECK(absl::IsNotFound(store->Delete(a)));
  std::vector<BlobInfo> left = ValueOrFail(store->List());
  REQUIRE(left.size() == 1);
  CHECK(left[0].digest == b);
}

TEST_CASE("content store: list is ordered by digest and skips stray files", "[content][store]") {
  TestStore store;
  std::vector<Digest> digests;
  for (int i = 0; i < 5; ++i) {
    std::string data = "blob-" + std::to_string(i);
    digests.push_back(Put(*store, "ref-" + std::to_string(i), data));
  }
  REQUIRE_OK(WriteFile(store.Path("blobs/sha256/not-a-digest"), "x"));
  std::sort(digests.begin(), digests.end());
  std::vector<Digest> listed;
  for (const BlobInfo& info : ValueOrFail(store->List())) listed.push_back(info.digest);
  CHECK(listed == digests);
}

TEST_CASE("content store: verify detects a truncated or altered blob", "[content][store]") {
  TestStore store;
  std::string data(100000, 'z');
  Digest d = Put(*store, "layer", data);
  REQUIRE_OK(store->Verify(d));
  std::string path = store->BlobPath(d);
  REQUIRE(::chmod(path.c_str(), 0644) == 0);

  SECTION("truncated") {
    REQUIRE(::truncate(path.c_str(), 4096) == 0);
    absl::Status s = store->Verify(d);
    CHECK(absl::IsDataLoss(s));
    CHECK(Message(s).find(d.str()) != std::string::npos);
    CHECK(Message(s).find("corrupt") != std::string::npos);
    CHECK(Message(s).find("4096 bytes") != std::string::npos);
  }
  SECTION("altered in place") {
    REQUIRE_OK(WriteExistingFile(path, "y"));  // O_TRUNC: also shorter
    CHECK(absl::IsDataLoss(store->Verify(d)));
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    std::string same_size(100000, 'y');
    REQUIRE(::pwrite(fd.get(), same_size.data(), same_size.size(), 0) == 100000);
    CHECK(absl::IsDataLoss(store->Verify(d)));
  }
}

TEST_CASE("content store: open clears interrupted ingest removals", "[content][store]") {
  TestStore store;
  std::string trash = store.Path("ingest/" + Digest::Of("r").hex() + ".removing-1-1");
  REQUIRE_OK(MkdirAll(trash + "/sub"));
  REQUIRE_OK(WriteFile(trash + "/data", "x"));
  store.Reopen();
  CHECK_FALSE(PathExists(trash));
}

}  // namespace
}  // namespace berth::containerd::content
