#include "tests/integration/containerd/image_helpers.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"

namespace berth::testing {

std::vector<ctrpb::Image> ImportTarball(DaemonFixture& f, const std::string& path,
                                        grpc::Status* status, const std::string& base_name) {
  auto context = Ctx();
  ctrpb::ImportImageResponse response;
  auto writer = f.images().Import(context.get(), &response);
  std::string data = *ReadFile(path);
  for (size_t i = 0; i < data.size(); i += 100000) {
    ctrpb::ImportImageRequest chunk;
    if (i == 0) chunk.set_base_name(base_name);
    chunk.set_data(data.substr(i, 100000));
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  *status = writer->Finish();
  return {response.images().begin(), response.images().end()};
}

grpc::Status PushImage(DaemonFixture& f, const std::string& name, const std::string& reference) {
  ctrpb::PushImageRequest push;
  push.set_name(name);
  push.set_reference(reference);
  auto context = Ctx();
  auto reader = f.images().Push(context.get(), push);
  ctrpb::PushImageResponse progress;
  while (reader->Read(&progress)) {
  }
  return reader->Finish();
}

PullOutcome PullImage(DaemonFixture& f, const std::string& reference, bool unpack,
                      const PullProgressFn& on_progress) {
  ctrpb::PullImageRequest pull;
  pull.set_reference(reference);
  pull.set_unpack(unpack);
  auto context = Ctx();
  auto reader = f.images().Pull(context.get(), pull);
  PullOutcome out;
  ctrpb::PullImageResponse message;
  while (reader->Read(&message)) {
    if (message.has_progress()) {
      out.progress.push_back(message.progress());
      if (on_progress && !on_progress(message.progress())) {
        // Leave the call to the caller's next move; cancel it when it returns.
        context->TryCancel();
        out.status = reader->Finish();
        return out;
      }
    }
    if (message.has_image()) out.last = message;
  }
  out.status = reader->Finish();
  return out;
}

uint32_t RunOn(DaemonFixture& f, const std::string& id, const std::string& chain_id,
               const std::vector<std::string>& args, std::string* log) {
  // Under a lease until the container holds the snapshot: a collection
  // in between (after an earlier deletion) would take it.
  f.CreateLease(id + "-setup");
  ctrpb::PrepareSnapshotRequest prepare;
  prepare.set_key(id + "-rootfs");
  prepare.set_parent(chain_id);
  ctrpb::PrepareSnapshotResponse prepared;
  grpc::Status s =
      f.snapshots().Prepare(LeaseCtx("default", id + "-setup").get(), prepare, &prepared);
  INFO(s.error_message());
  REQUIRE(s.ok());
  ctrpb::CreateContainerRequest create;
  *create.mutable_container() = f.ContainerRecord(id, args);
  create.mutable_container()->set_snapshotter("overlayfs");
  create.mutable_container()->set_snapshot_key(id + "-rootfs");
  ctrpb::CreateContainerResponse created;
  REQUIRE(f.containers().Create(Ctx().get(), create, &created).ok());
  f.DeleteLease(id + "-setup");
  ctrpb::CreateTaskRequest task;
  task.set_container_id(id);
  task.mutable_log()->set_format("json-file");
  task.mutable_log()->set_path(f.Path(id + ".log"));
  s = f.CreateTask(task);
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(f.StartTask(id).ok());
  uint32_t status = f.WaitTask(id);
  REQUIRE(f.DeleteTask(id).ok());
  *log = *ReadFile(f.Path(id + ".log"));
  ctrpb::DeleteContainerRequest del;
  del.set_id(id);
  google::protobuf::Empty empty;
  REQUIRE(f.containers().Delete(Ctx().get(), del, &empty).ok());
  ctrpb::RemoveSnapshotRequest remove;
  remove.set_key(id + "-rootfs");
  // The collector may have taken it already: nothing references it now.
  grpc::Status removed = f.snapshots().Remove(Ctx().get(), remove, &empty);
  CHECK((removed.ok() || removed.error_code() == grpc::StatusCode::NOT_FOUND));
  return status;
}

void DeleteAllContent(DaemonFixture& f) {
  ctrpb::ListContentResponse list;
  REQUIRE(f.content().List(Ctx().get(), {}, &list).ok());
  for (const ctrpb::ContentInfo& info : list.info()) {
    ctrpb::DeleteContentRequest del;
    del.set_digest(info.digest());
    google::protobuf::Empty empty;
    grpc::Status s = f.content().Delete(Ctx().get(), del, &empty);
    INFO(s.error_message());
    REQUIRE(s.ok());
  }
}

void ForgetImage(DaemonFixture& f, const std::string& name) {
  ctrpb::DeleteImageRequest del;
  del.set_name(name);
  google::protobuf::Empty empty;
  REQUIRE(f.images().Delete(Ctx().get(), del, &empty).ok());
  DeleteAllContent(f);
  f.CollectGarbage();
}

}  // namespace berth::testing
