// berth-ctr: a small client of berth-containerd, as ctr is of containerd:
// run a container from a root filesystem, list and remove tasks, follow
// events, pull / push / list / remove / import images. It speaks only the daemon's gRPC API.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "berth/containerd/v1/containers.grpc.pb.h"
#include "berth/containerd/v1/events.grpc.pb.h"
#include "berth/containerd/v1/tasks.grpc.pb.h"
#include "berth/containerd/v1/version.grpc.pb.h"
#include "containerd/ctr/client.h"
#include "containerd/ctr/default_spec.h"
#include "containerd/ctr/images_commands.h"

namespace {

namespace pb = ::berth::containerd::v1;
using berth::containerd::ctr::Client;
using berth::containerd::ctr::Fail;
using berth::containerd::ctr::Global;

struct RunOptions {
  std::string id;
  std::vector<std::string> args;
  std::string rootfs;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::string log_path;
  std::string runtime = "io.containerd.runc.v2";
  bool rm = false;
  bool detach = false;
  bool read_only = false;
};

int Run(const Global& g, const RunOptions& o) {
  Client client(g);
  auto containers = pb::Containers::NewStub(client.channel());
  auto tasks = pb::Tasks::NewStub(client.channel());
  if (o.rootfs.empty() || o.rootfs[0] != '/') {
    std::fprintf(stderr, "berth-ctr: run: --rootfs must be an absolute directory\n");
    return 1;
  }
  berth::containerd::ctr::SpecOptions spec;
  spec.args = o.args;
  spec.env = o.env;
  spec.cwd = o.cwd;
  spec.root_path = o.rootfs;
  spec.readonly_root = o.read_only;
  spec.hostname = o.id;
  spec.cgroups_path = "/berth-" + g.ns + "-" + o.id;
  pb::CreateContainerRequest create;
  create.mutable_container()->set_id(o.id);
  create.mutable_container()->mutable_runtime()->set_name(o.runtime);
  create.mutable_container()->set_spec(berth::containerd::ctr::DefaultSpec(spec));
  pb::CreateContainerResponse created;
  grpc::Status s = containers->Create(client.Ctx().get(), create, &created);
  if (!s.ok()) return Fail("run " + o.id, s);

  auto remove = [&] {
    pb::DeleteTaskRequest del;
    del.set_container_id(o.id);
    del.set_force(true);
    pb::DeleteResponse deleted;
    tasks->Delete(client.Ctx().get(), del, &deleted);
    pb::DeleteContainerRequest del_container;
    del_container.set_id(o.id);
    google::protobuf::Empty empty;
    containers->Delete(client.Ctx().get(), del_container, &empty);
  };
  pb::CreateTaskRequest task;
  task.set_container_id(o.id);
  if (!o.log_path.empty()) {
    task.mutable_log()->set_format("json-file");
    task.mutable_log()->set_path(o.log_path);
  }
  pb::CreateTaskResponse task_created;
  s = tasks->Create(client.Ctx().get(), task, &task_created);
  if (!s.ok()) {
    if (o.rm) remove();
    return Fail("run " + o.id, s);
  }
  // Attached before the start, so no output is missed.
  auto attach_context = client.Ctx();
  std::unique_ptr<grpc::ClientReaderWriter<pb::AttachRequest, pb::AttachResponse>> attach;
  if (!o.detach) {
    attach = tasks->Attach(attach_context.get());
    pb::AttachRequest first;
    first.set_container_id(o.id);
    first.set_stdout(true);
    first.set_stderr(true);
    pb::AttachResponse ack;
    if (!attach->Write(first) || !attach->Read(&ack)) {
      s = attach->Finish();
      if (o.rm) remove();
      return Fail("run " + o.id, s);
    }
    attach->WritesDone();
  }
  pb::StartRequest start;
  start.set_container_id(o.id);
  pb::StartResponse started;
  s = tasks->Start(client.Ctx().get(), start, &started);
  if (!s.ok()) {
    if (o.rm) remove();
    return Fail("run " + o.id, s);
  }
  if (o.detach) {
    std::printf("%u\n", started.pid());
    return 0;
  }
  pb::AttachResponse out;
  while (attach->Read(&out)) {
    FILE* to = out.stream() == pb::ATTACH_STREAM_STDERR ? stderr : stdout;
    std::fwrite(out.data().data(), 1, out.data().size(), to);
    std::fflush(to);
  }
  attach->Finish();
  pb::WaitRequest wait;
  wait.set_container_id(o.id);
  pb::WaitResponse waited;
  s = tasks->Wait(client.Ctx().get(), wait, &waited);
  if (!s.ok()) return Fail("run " + o.id, s);
  if (o.rm) remove();
  return static_cast<int>(waited.exit_status());
}

int Version(const Global& g) {
  Client client(g);
  pb::VersionResponse version;
  grpc::Status s =
      pb::Version::NewStub(client.channel())->Version(client.Ctx().get(), {}, &version);
  if (!s.ok()) return Fail("version (daemon at " + g.address + ")", s);
  std::printf("Server:\n  Version:  %s\n  Revision: %s\n", version.version().c_str(),
              version.revision().c_str());
  return 0;
}

const char* StatusName(pb::TaskStatus status) {
  switch (status) {
    case pb::TASK_STATUS_CREATED:
      return "CREATED";
    case pb::TASK_STATUS_RUNNING:
      return "RUNNING";
    case pb::TASK_STATUS_STOPPED:
      return "STOPPED";
    case pb::TASK_STATUS_PAUSED:
      return "PAUSED";
    case pb::TASK_STATUS_PAUSING:
      return "PAUSING";
    default:
      return "UNKNOWN";
  }
}

int Tasks(const Global& g) {
  Client client(g);
  pb::ListTasksResponse listed;
  grpc::Status s = pb::Tasks::NewStub(client.channel())->List(client.Ctx().get(), {}, &listed);
  if (!s.ok()) return Fail("list tasks", s);
  std::printf("%-24s %-8s %s\n", "TASK", "PID", "STATUS");
  for (const pb::Process& p : listed.tasks()) {
    std::printf("%-24s %-8u %s\n", p.container_id().c_str(), p.pid(), StatusName(p.status()));
  }
  return 0;
}

int Remove(const Global& g, const std::vector<std::string>& ids) {
  Client client(g);
  auto tasks = pb::Tasks::NewStub(client.channel());
  auto containers = pb::Containers::NewStub(client.channel());
  int rc = 0;
  for (const std::string& id : ids) {
    pb::DeleteTaskRequest del;
    del.set_container_id(id);
    del.set_force(true);
    pb::DeleteResponse deleted;
    grpc::Status s = tasks->Delete(client.Ctx().get(), del, &deleted);
    if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) rc = Fail("delete task " + id, s);
    pb::DeleteContainerRequest del_container;
    del_container.set_id(id);
    google::protobuf::Empty empty;
    s = containers->Delete(client.Ctx().get(), del_container, &empty);
    if (!s.ok()) rc = Fail("delete container " + id, s);
  }
  return rc;
}

int Events(const Global& g, const std::vector<std::string>& filters) {
  Client client(g);
  pb::SubscribeRequest request;
  for (const std::string& f : filters) request.add_filters(f);
  auto context = client.Ctx();
  auto reader = pb::Events::NewStub(client.channel())->Subscribe(context.get(), request);
  pb::Envelope e;
  while (reader->Read(&e)) {
    std::printf("%ld.%09d %s %s %s\n", static_cast<long>(e.timestamp().seconds()),
                e.timestamp().nanos(), e.namespace_().c_str(), e.topic().c_str(),
                e.event().type_url().c_str());
    std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return Fail("events", s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Global g;
  CLI::App app{"berth-ctr: a client of berth-containerd"};
  app.add_option("-a,--address", g.address, "daemon socket")->capture_default_str();
  app.add_option("-n,--namespace", g.ns, "namespace")->capture_default_str();
  app.require_subcommand(1);
  CLI::App* version = app.add_subcommand("version", "show the daemon's version");
  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "run a container from a root filesystem");
  run_cmd->add_option("--rootfs", run.rootfs, "root filesystem directory (absolute)")->required();
  run_cmd->add_flag("--rm", run.rm, "remove the container when it exits");
  run_cmd->add_flag("-d,--detach", run.detach, "print the pid and return");
  run_cmd->add_flag("--read-only", run.read_only, "read-only root filesystem");
  run_cmd->add_option("--env", run.env, "environment variable K=V");
  run_cmd->add_option("--cwd", run.cwd, "working directory");
  run_cmd->add_option("--log-path", run.log_path, "json-file log the shim writes");
  run_cmd->add_option("--runtime", run.runtime, "runtime name")->capture_default_str();
  run_cmd->add_option("id", run.id, "container id")->required();
  // Everything after the id is the command, options included (sh -c ...).
  run_cmd->prefix_command();
  CLI::App* tasks_cmd = app.add_subcommand("tasks", "list tasks");
  std::vector<std::string> rm_ids;
  CLI::App* rm_cmd = app.add_subcommand("rm", "delete tasks (killing them) and containers");
  rm_cmd->add_option("ids", rm_ids, "container ids")->required();
  std::vector<std::string> filters;
  CLI::App* events_cmd = app.add_subcommand("events", "print events as they are published");
  events_cmd->add_option("filters", filters, "filters, e.g. 'topic==\"/tasks/exit\"'");
  int image_command_rc = 1;
  berth::containerd::ctr::AddImageCommands(app, g, &image_command_rc);
  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) return Version(g);
  if (run_cmd->parsed()) {
    run.args = run_cmd->remaining();
    if (run.args.empty()) {
      std::fprintf(stderr, "berth-ctr: run: no command given\n");
      return 1;
    }
    return Run(g, run);
  }
  if (tasks_cmd->parsed()) return Tasks(g);
  if (rm_cmd->parsed()) return Remove(g, rm_ids);
  if (events_cmd->parsed()) return Events(g, filters);
  return image_command_rc;
}
