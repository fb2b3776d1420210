// How a shim with these options runs its runtime.
#pragma once

#include "shim/runtime/runtime_client.h"
#include "shim/shim_options.h"

namespace berth::shim {

inline RuntimeClient::Options RuntimeOptionsFor(const ShimOptions& options) {
  RuntimeClient::Options client;
  client.runtime.binary = options.runtime;
  client.runtime.root = RuntimeRootFor(options);
  client.runtime.log = RuntimeLogFile(options.bundle);
  client.runtime.systemd_cgroup = options.systemd_cgroup;
  // Pid and process files stay in the shim's private directory.
  client.temp_dir = WorkDirFor(options);
  return client;
}

}  // namespace berth::shim
