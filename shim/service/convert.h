// Task manager values <-> protobuf messages.
#pragma once

#include <chrono>

#include "berth/shim/v1/shim.pb.h"
#include "shim/events.h"
#include "shim/task/types.h"

namespace berth::shim::service {

void ToTimestamp(std::chrono::system_clock::time_point time, google::protobuf::Timestamp* out);
berth::shim::v1::Status ToProto(task::ProcessStatus status);
void ToProto(const TaskEvent& event, berth::shim::v1::Event* out);
void ToProto(const task::TaskStats& stats, berth::shim::v1::StatsResponse* out);
task::CreateParams FromProto(const berth::shim::v1::CreateRequest& request);

}  // namespace berth::shim::service
