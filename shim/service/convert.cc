#include "shim/service/convert.h"

namespace berth::shim::service {

namespace pb = ::berth::shim::v1;

void ToTimestamp(std::chrono::system_clock::time_point time, google::protobuf::Timestamp* out) {
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

pb::Status ToProto(task::ProcessStatus status) {
  switch (status) {
    case task::ProcessStatus::kCreated:
      return pb::STATUS_CREATED;
    case task::ProcessStatus::kRunning:
      return pb::STATUS_RUNNING;
    case task::ProcessStatus::kStopped:
      return pb::STATUS_STOPPED;
    case task::ProcessStatus::kPaused:
      return pb::STATUS_PAUSED;
    case task::ProcessStatus::kPausing:
      return pb::STATUS_PAUSING;
    case task::ProcessStatus::kUnknown:
      break;
  }
  return pb::STATUS_UNKNOWN;
}

void ToProto(const TaskEvent& event, pb::Event* out) {
  out->set_sequence(event.sequence);
  out->set_topic(event.topic);
  out->set_id(event.id);
  out->set_exec_id(event.exec_id);
  out->set_pid(event.pid);
  out->set_exit_status(event.exit_status);
  ToTimestamp(event.time, out->mutable_timestamp());
}

void ToProto(const task::TaskStats& s, pb::StatsResponse* out) {
  pb::CpuStats* cpu = out->mutable_cpu();
  cpu->set_usage_nsec(s.cpu_usage_nsec);
  cpu->set_user_nsec(s.cpu_user_nsec);
  cpu->set_system_nsec(s.cpu_system_nsec);
  cpu->set_throttled_periods(s.cpu_throttled_periods);
  cpu->set_throttled_nsec(s.cpu_throttled_nsec);
  pb::MemoryStats* memory = out->mutable_memory();
  memory->set_usage(s.memory_usage);
  memory->set_limit(s.memory_limit);
  memory->set_max_usage(s.memory_max_usage);
  memory->set_cache(s.memory_cache);
  memory->set_rss(s.memory_rss);
  memory->set_swap(s.memory_swap);
  memory->set_working_set(s.memory_working_set);
  memory->set_oom_kills(s.memory_oom_kills);
  out->mutable_pids()->set_current(s.pids_current);
  out->mutable_pids()->set_limit(s.pids_limit);
  pb::IoStats* io = out->mutable_io();
  io->set_read_bytes(s.io_read_bytes);
  io->set_write_bytes(s.io_write_bytes);
  io->set_read_ops(s.io_read_ops);
  io->set_write_ops(s.io_write_ops);
  ToTimestamp(std::chrono::system_clock::now(), out->mutable_timestamp());
}

task::CreateParams FromProto(const pb::CreateRequest& request) {
  task::CreateParams params;
  params.id = request.id();
  for (const pb::Mount& m : request.rootfs()) {
    params.rootfs.push_back(task::RootfsMount{
        m.type(), m.source(), m.target(), {m.options().begin(), m.options().end()}});
  }
  params.terminal = request.terminal();
  params.stdin = request.stdin();
  params.stdin_once = request.stdin_once();
  params.log.format = request.log().format();
  params.log.path = request.log().path();
  params.log.max_size = request.log().max_size();
  params.log.max_file = request.log().max_file() == 0 ? 1 : request.log().max_file();
  return params;
}

}  // namespace berth::shim::service
