#include "containerd/core/content/writer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/time_util.h"
#include "tests/unit/containerd/content/test_util.h"

namespace berth::containerd::content {
namespace {

using testing::ValueOrFail;

// Runs `child` in a forked process and returns its exit code.
template <typename F>
int InChild(F child) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(child());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

std::string IngestDir(const TestStore& store, const std::string& ref) {
  return store.Path("ingest/" + Digest::Of(ref).hex());
}

TEST_CASE("content writer: a digest mismatch is refused and nothing is visible",
          "[content][writer]") {
  TestStore store;
  const std::string data = "layer bytes";
  const Digest right = Digest::Of(data);
  const Digest wrong = Digest::Of("something else");
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("layer"));
  REQUIRE_OK(w->Write(data));

  absl::Status s = w->Commit(static_cast<int64_t>(data.size()), wrong);
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(Message(s).find(right.str()) != std::string::npos);
  CHECK(Message(s).find(wrong.str()) != std::string::npos);
  CHECK(absl::IsNotFound(store->Info(right).status()));
  CHECK(absl::IsNotFound(store->Info(wrong).status()));
  CHECK(ValueOrFail(store->List()).empty());
  // The ingest is kept for the caller to decide; the writer is still usable.
  CHECK(ValueOrFail(store->Status("layer")).offset == static_cast<int64_t>(data.size()));
  REQUIRE_OK(w->Commit(static_cast<int64_t>(data.size()), right));
  REQUIRE_OK(store->Verify(right));
}

TEST_CASE("content writer: the expected digest given at open is checked at commit",
          "[content][writer]") {
  TestStore store;
  const Digest wrong = Digest::Of("other");
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("layer", 0, wrong));
  REQUIRE_OK(w->Write("data"));
  absl::Status s = w->Commit();
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(Message(s).find(wrong.str()) != std::string::npos);
  CHECK(ValueOrFail(store->List()).empty());
}

TEST_CASE("content writer: a size mismatch is refused and nothing is visible",
          "[content][writer]") {
  TestStore store;
  const std::string data = "0123456789";
  const Digest d = Digest::Of(data);

  SECTION("size given at commit") {
    std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("r"));
    REQUIRE_OK(w->Write(data));
    absl::Status s = w->Commit(11, d);
    CHECK(absl::IsFailedPrecondition(s));
    CHECK(Message(s).find("size 10") != std::string::npos);
    CHECK(Message(s).find("expected size 11") != std::string::npos);
    CHECK(absl::IsNotFound(store->Info(d).status()));
    CHECK(ValueOrFail(store->Status("r")).offset == 10);
  }
  SECTION("size given at open: short at commit, and writes past it refused") {
    std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("r", 12));
    REQUIRE_OK(w->Write(data));
    absl::Status s = w->Commit(0, d);
    CHECK(absl::IsFailedPrecondition(s));
    CHECK(Message(s).find("expected size 12") != std::string::npos);
    absl::Status over = w->Write("abc");
    CHECK(absl::IsFailedPrecondition(over));
    CHECK(w->offset() == 10);
    CHECK(ValueOrFail(store->List()).empty());
  }
}

TEST_CASE("content writer: truncate starts over", "[content][writer]") {
  TestStore store;
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("r"));
  REQUIRE_OK(w->Write("garbage from a failed download"));
  CHECK(absl::IsInvalidArgument(w->Truncate(1000)));
  CHECK(absl::IsInvalidArgument(w->Truncate(-1)));
  REQUIRE_OK(w->Truncate(7));
  CHECK(w->offset() == 7);
  CHECK(w->digest() == Digest::Of("garbage"));
  REQUIRE_OK(w->Truncate(0));
  CHECK(w->offset() == 0);
  CHECK(w->digest() == Digest::Of(""));
  REQUIRE_OK(w->Write("good"));
  REQUIRE_OK(w->Commit(4, Digest::Of("good")));
  CHECK(ValueOrFail(store->ReadBlob(Digest::Of("good"), 100)) == "good");
}

TEST_CASE("content writer: a new store on the same root resumes at the offset",
          "[content][writer]") {
  TestStore store;
  std::string data;
  for (int i = 0; i < 3000; ++i) data += "line " + std::to_string(i) + "\n";
  const Digest d = Digest::Of(data);
  const int64_t size = static_cast<int64_t>(data.size());
  const size_t cut = 12345;

  {
    std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("layer-1", size, d));
    REQUIRE_OK(w->Write(std::string_view(data).substr(0, 5000)));
    REQUIRE_OK(w->Write(std::string_view(data).substr(5000, cut - 5000)));
  }                // destroyed without commit: the lock goes, the ingest stays
  store.Reopen();  // as after a daemon restart

  IngestStatus status = ValueOrFail(store->Status("layer-1"));
  CHECK(status.ref == "layer-1");
  CHECK(status.offset == static_cast<int64_t>(cut));
  CHECK(status.total == size);
  CHECK(status.expected == d);

  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("layer-1"));
  CHECK(w->offset() == static_cast<int64_t>(cut));
  CHECK(w->digest() == Digest::Of(std::string_view(data).substr(0, cut)));
  // Expectations recorded by the first writer still apply.
  CHECK(absl::IsFailedPrecondition(w->Commit()));
  REQUIRE_OK(w->Write(std::string_view(data).substr(cut)));
  REQUIRE_OK(w->Commit());
  CHECK(ValueOrFail(store->ReadBlob(d, size)) == data);
  REQUIRE_OK(store->Verify(d));
}

TEST_CASE("content writer: an ingest left half-created or half-committed starts over",
          "[content][writer]") {
  TestStore store;
  {
    std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("r", 0, Digest::Of("abc")));
    REQUIRE_OK(w->Write("ab"));
  }
  const std::string dir = IngestDir(store, "r");

  SECTION("data gone: a commit renamed it and died before removing the ingest") {
    REQUIRE(::unlink((dir + "/data").c_str()) == 0);
    CHECK(ValueOrFail(store->Status("r")).offset == 0);
  }
  SECTION("ref missing: creation died before finishing") {
    REQUIRE(::unlink((dir + "/ref").c_str()) == 0);
    CHECK(absl::IsNotFound(store->Status("r").status()));
    CHECK(ValueOrFail(store->ListStatuses()).empty());
  }
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("r"));
  CHECK(w->offset() == 0);
  REQUIRE_OK(w->Write("xyz"));
  REQUIRE_OK(w->Commit(3, Digest::Of("xyz")));
}

TEST_CASE("content writer: resuming with different expectations is refused", "[content][writer]") {
  TestStore store;
  const Digest d = Digest::Of("abc");
  { ValueOrFail(store->OpenWriter("r", 3, d)); }
  CHECK(absl::IsFailedPrecondition(store->OpenWriter("r", 4).status()));
  CHECK(absl::IsFailedPrecondition(store->OpenWriter("r", 0, Digest::Of("x")).status()));
  REQUIRE_OK(store->OpenWriter("r", 3, d).status());

  // An ingest opened without expectations records them when resumed with some.
  { ValueOrFail(store->OpenWriter("s")); }
  { ValueOrFail(store->OpenWriter("s", 3, d)); }
  IngestStatus s = ValueOrFail(store->Status("s"));
  CHECK(s.total == 3);
  CHECK(s.expected == d);
}

TEST_CASE("content writer: one writer per ref", "[content][writer]") {
  TestStore store;
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("busy"));
  REQUIRE_OK(w->Write("part"));

  absl::Status second = store->OpenWriter("busy").status();
  CHECK(absl::IsUnavailable(second));
  CHECK(Message(second).find("ref locked") != std::string::npos);
  CHECK(Message(second).find("busy") != std::string::npos);
  CHECK(absl::IsUnavailable(store->Abort("busy")));
  // Another ref is independent.
  REQUIRE_OK(store->OpenWriter("other").status());

  // Another process is refused as well.
  std::string root = store.root();
  CHECK(InChild([&] {
          auto other = Store::Open(root);
          if (!other.ok()) return 2;
          return absl::IsUnavailable((*other)->OpenWriter("busy").status()) ? 0 : 1;
        }) == 0);

  w.reset();
  std::unique_ptr<Writer> again = ValueOrFail(store->OpenWriter("busy"));
  CHECK(again->offset() == 4);
}

TEST_CASE("content writer: a writer that crashed leaves its ref unlocked", "[content][writer]") {
  TestStore store;
  std::string root = store.root();
  CHECK(InChild([&] {
          auto other = Store::Open(root);
          if (!other.ok()) return 2;
          auto w = (*other)->OpenWriter("crash");
          if (!w.ok() || !(*w)->Write("half").ok()) return 3;
          ::_exit(0);  // no destructors: as if killed
        }) == 0);
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("crash"));
  CHECK(w->offset() == 4);
  REQUIRE_OK(w->Write(" and the rest"));
  REQUIRE_OK(w->Commit(0, Digest::Of("half and the rest")));
}

TEST_CASE("content writer: committing existing content is AlreadyExists and drops the ingest",
          "[content][writer]") {
  TestStore store;
  const Digest d = Put(*store, "first", "same bytes");
  BlobInfo before = ValueOrFail(store->Info(d));

  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("second"));
  REQUIRE_OK(w->Write("same bytes"));
  absl::Status s = w->Commit(10, d);
  CHECK(absl::IsAlreadyExists(s));
  CHECK(Message(s).find(d.str()) != std::string::npos);
  CHECK(absl::IsFailedPrecondition(w->Write("x")));
  CHECK(absl::IsNotFound(store->Status("second").status()));
  CHECK_FALSE(PathExists(IngestDir(store, "second")));
  CHECK(ValueOrFail(store->Info(d)) == before);
  REQUIRE_OK(store->Verify(d));
  // The ref is free again.
  REQUIRE_OK(store->OpenWriter("second").status());
}

TEST_CASE("content writer: abort removes an ingest", "[content][writer]") {
  TestStore store;
  {
    std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("gone"));
    REQUIRE_OK(w->Write("abc"));
  }
  REQUIRE(PathExists(IngestDir(store, "gone")));
  REQUIRE_OK(store->Abort("gone"));
  CHECK_FALSE(PathExists(IngestDir(store, "gone")));
  CHECK(ValueOrFail(ReadDirNamesForTest(store.Path("ingest"))).empty());
  CHECK(absl::IsNotFound(store->Status("gone").status()));
  absl::Status again = store->Abort("gone");
  CHECK(absl::IsNotFound(again));
  CHECK(Message(again).find("gone") != std::string::npos);
  // A new writer starts from nothing.
  CHECK(ValueOrFail(store->OpenWriter("gone"))->offset() == 0);
}

TEST_CASE("content writer: statuses of active and abandoned ingests", "[content][writer]") {
  TestStore store;
  Timestamp before =
      std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
  const Digest d = Digest::Of("0123456789");
  {
    std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("b-abandoned", 10, d));
    REQUIRE_OK(w->Write("01234"));
  }
  std::unique_ptr<Writer> active = ValueOrFail(store->OpenWriter("a-active"));
  REQUIRE_OK(active->Write("xy"));
  // Removal leftovers and unfinished ingests are not listed.
  REQUIRE_OK(MkdirAll(store.Path("ingest/" + Digest::Of("z").hex())));

  std::vector<IngestStatus> list = ValueOrFail(store->ListStatuses());
  REQUIRE(list.size() == 2);
  CHECK(list[0].ref == "a-active");
  CHECK(list[0].offset == 2);
  CHECK(list[0].total == 0);
  CHECK(list[0].expected.empty());
  CHECK(list[1].ref == "b-abandoned");
  CHECK(list[1].offset == 5);
  CHECK(list[1].total == 10);
  CHECK(list[1].expected == d);
  for (const IngestStatus& s : list) {
    CHECK(s.started_at >= before);
    CHECK(s.updated_at >= s.started_at);
    CHECK(ValueOrFail(store->Status(s.ref)) == s);
  }
  CHECK(absl::IsNotFound(store->Status("nope").status()));
  CHECK(absl::IsInvalidArgument(store->Status("").status()));
  CHECK(absl::IsInvalidArgument(store->OpenWriter("").status()));
  CHECK(absl::IsInvalidArgument(store->OpenWriter("r", -1).status()));
}

TEST_CASE("content writer: a 20 MB blob streams from an fd in chunks", "[content][writer]") {
  TestStore store;
  constexpr int64_t kSize = 20 << 20;
  // The source is produced and hashed a chunk at a time too.
  std::string source = store.Path("source");
  Sha256 expected_hash;
  {
    UniqueFd out(::open(source.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    REQUIRE(out.ok());
    std::mt19937_64 rng(42);
    std::string chunk(300000, '\0');  // not a multiple of the store's chunk
    for (int64_t done = 0; done < kSize;) {
      size_t n =
          static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(chunk.size()), kSize - done));
      for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t v = rng();
        std::memcpy(chunk.data() + i, &v, 8);
      }
      REQUIRE(::write(out.get(), chunk.data(), n) == static_cast<ssize_t>(n));
      expected_hash.Update(std::string_view(chunk.data(), n));
      done += static_cast<int64_t>(n);
    }
  }
  const Digest d = expected_hash.Current();

  struct rusage usage;
  REQUIRE(::getrusage(RUSAGE_SELF, &usage) == 0);
  long rss_before_kb = usage.ru_maxrss;

  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("big", kSize, d));
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(in.ok());
  // Half now, then the rest through a resumed writer that rehashes what is there.
  std::string half(kSize / 2, '\0');
  REQUIRE(::read(in.get(), half.data(), half.size()) == static_cast<ssize_t>(half.size()));
  REQUIRE_OK(w->Write(half));
  half.clear();
  half.shrink_to_fit();
  w.reset();
  w = ValueOrFail(store->OpenWriter("big"));
  CHECK(w->offset() == kSize / 2);
  CHECK(ValueOrFail(w->WriteFrom(in.get())) == kSize / 2);
  REQUIRE_OK(w->Commit(kSize, d));

  REQUIRE(::getrusage(RUSAGE_SELF, &usage) == 0);
  // Only the test's own half copy (10 MiB) and chunk buffers, never a 20 MB copy.
  CHECK(usage.ru_maxrss - rss_before_kb < 16 * 1024);

  CHECK(ValueOrFail(store->Info(d)).size == kSize);
  REQUIRE_OK(store->Verify(d));
  CHECK(absl::IsFailedPrecondition(store->ReadBlob(d, 1 << 20).status()));
}

TEST_CASE("content writer: a failed write reports the path and commits nothing",
          "[content][writer]") {
  TestStore store;
  std::string root = store.root();
  // RLIMIT_FSIZE makes the kernel cut writes short and then fail with EFBIG,
  // as a full disk does with ENOSPC.
  constexpr int64_t kLimit = 1 << 20;
  int rc = InChild([&] {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {static_cast<rlim_t>(kLimit), static_cast<rlim_t>(kLimit)};
    if (::setrlimit(RLIMIT_FSIZE, &lim) < 0) return 10;
    auto other = Store::Open(root);
    if (!other.ok()) return 11;
    auto w = (*other)->OpenWriter("full");
    if (!w.ok()) return 12;
    std::string data(kLimit + 100, 'q');
    absl::Status s = (*w)->Write(data);
    if (s.ok()) return 13;
    if (Message(s).find(root + "/ingest/") == std::string::npos) return 14;
    if (Message(s).find("/data") == std::string::npos) return 15;
    if ((*w)->offset() != kLimit) return 16;
    if ((*w)->digest() != Digest::Of(std::string(kLimit, 'q'))) return 17;
    return 0;
  });
  CHECK(rc == 0);
  CHECK(ValueOrFail(store->List()).empty());
  CHECK(ValueOrFail(ReadDirNamesForTest(store.Path("blobs/sha256"))).empty());
  // The ingest holds what did reach the disk and can be resumed.
  std::unique_ptr<Writer> w = ValueOrFail(store->OpenWriter("full"));
  CHECK(w->offset() == kLimit);
  REQUIRE_OK(w->Write("tail"));
  REQUIRE_OK(w->Commit(kLimit + 4, Digest::Of(std::string(kLimit, 'q') + "tail")));
}

}  // namespace
}  // namespace berth::containerd::content
