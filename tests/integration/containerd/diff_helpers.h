// Helpers for the Diff and unpack-safety tests through the daemon: blobs
// through the Content API, snapshots mounted in the test, layers read back.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "containerd/core/content/digest.h"
#include "containerd/core/snapshots/temp_mount.h"
#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {

// The lease the Diff tests work under. Without one, the daemon's collector
// (it runs 100 ms after any removal) takes their unreferenced snapshots and
// blobs, as containerd's would: every client that builds snapshots by hand
// holds a lease. Each test case creates it first.
inline constexpr char kDiffTestLease[] = "diff-test";
inline std::unique_ptr<grpc::ClientContext> WorkCtx() {
  return LeaseCtx("default", kDiffTestLease);
}

// Writes `data` to the daemon's content store; returns its digest.
inline std::string PutBlob(DaemonFixture& f, const std::string& data) {
  std::string digest = containerd::content::Digest::Of(data).str();
  auto context = WorkCtx();
  auto stream = f.content().Write(context.get());
  ctrpb::WriteContentRequest write;
  write.set_action(ctrpb::WRITE_ACTION_WRITE);
  write.set_ref("test-" + digest);
  write.set_total(static_cast<int64_t>(data.size()));
  write.set_expected(digest);
  write.set_data(data);
  ctrpb::WriteContentResponse response;
  REQUIRE(stream->Write(write));
  REQUIRE(stream->Read(&response));
  ctrpb::WriteContentRequest commit;
  commit.set_action(ctrpb::WRITE_ACTION_COMMIT);
  commit.set_total(static_cast<int64_t>(data.size()));
  commit.set_expected(digest);
  commit.set_offset(static_cast<int64_t>(data.size()));
  REQUIRE(stream->Write(commit));
  stream->Read(&response);
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  INFO(s.error_message());
  REQUIRE((s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS));
  return digest;
}

inline std::string GetBlob(DaemonFixture& f, const std::string& digest) {
  ctrpb::ReadContentRequest read;
  read.set_digest(digest);
  auto context = WorkCtx();
  auto reader = f.content().Read(context.get(), read);
  std::string out;
  ctrpb::ReadContentResponse chunk;
  while (reader->Read(&chunk)) out += chunk.data();
  grpc::Status s = reader->Finish();
  INFO(s.error_message());
  REQUIRE(s.ok());
  return out;
}

inline std::vector<containerd::snapshots::Mount> FromProto(
    const google::protobuf::RepeatedPtrField<ctrpb::Mount>& mounts) {
  std::vector<containerd::snapshots::Mount> out;
  for (const ctrpb::Mount& m : mounts) {
    out.push_back({m.type(), m.source(), m.target(), {m.options().begin(), m.options().end()}});
  }
  return out;
}

// The snapshot's mounts on a temporary directory under the test's dir.
inline std::unique_ptr<containerd::snapshots::TempMount> MountSnapshot(
    DaemonFixture& f, const google::protobuf::RepeatedPtrField<ctrpb::Mount>& mounts) {
  auto mounted = containerd::snapshots::TempMount::Create(f.Path("mnt"), FromProto(mounts));
  INFO(mounted.status().ToString());
  REQUIRE(mounted.ok());
  return std::move(mounted).value();
}

inline google::protobuf::RepeatedPtrField<ctrpb::Mount> Prepare(DaemonFixture& f,
                                                                const std::string& key,
                                                                const std::string& parent,
                                                                bool view = false) {
  grpc::Status s;
  if (view) {
    ctrpb::ViewSnapshotRequest request;
    request.set_key(key);
    request.set_parent(parent);
    ctrpb::ViewSnapshotResponse response;
    s = f.snapshots().View(WorkCtx().get(), request, &response);
    INFO(s.error_message());
    REQUIRE(s.ok());
    return response.mounts();
  }
  ctrpb::PrepareSnapshotRequest request;
  request.set_key(key);
  request.set_parent(parent);
  ctrpb::PrepareSnapshotResponse response;
  s = f.snapshots().Prepare(WorkCtx().get(), request, &response);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return response.mounts();
}

inline void Commit(DaemonFixture& f, const std::string& name, const std::string& key) {
  ctrpb::CommitSnapshotRequest commit;
  commit.set_name(name);
  commit.set_key(key);
  google::protobuf::Empty empty;
  grpc::Status s = f.snapshots().Commit(WorkCtx().get(), commit, &empty);
  INFO(s.error_message());
  REQUIRE(s.ok());
}

inline grpc::Status RemoveSnapshot(DaemonFixture& f, const std::string& key) {
  ctrpb::RemoveSnapshotRequest remove;
  remove.set_key(key);
  google::protobuf::Empty empty;
  return f.snapshots().Remove(WorkCtx().get(), remove, &empty);
}

// Names in a layer blob (any compression), in order; hardlinks as "a => b".
inline std::vector<std::string> LayerNames(const std::string& blob) {
  std::vector<std::string> names;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, blob.data(), blob.size()) == ARCHIVE_OK);
  struct archive_entry* e;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    if (name.size() > 1 && name.back() == '/') name.pop_back();  // directories
    if (archive_entry_hardlink(e) != nullptr)
      name += " => " + std::string(archive_entry_hardlink(e));
    names.push_back(name);
  }
  CHECK(r == ARCHIVE_EOF);
  archive_read_free(a);
  return names;
}

// Mount points under `dir` in this mount namespace.
inline std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point.starts_with(dir)) out.push_back(point);
  }
  return out;
}

}  // namespace berth::testing
