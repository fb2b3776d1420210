// What every berth-runtime integration test needs: a busybox bundle with
// the probe, a private state root, the runtime run as a separate process,
// and a check at the end that nothing was left behind.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/spawn.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {

class RuntimeFixture {
 public:
  // `runtime`: a binary path; default is our berth-runtime.
  explicit RuntimeFixture(std::string runtime = "");
  ~RuntimeFixture();

  // A fresh container id, unique across parallel tests.
  std::string NewId();

  // The config.json the next bundle gets; tests edit it.
  json::Json& config() { return config_; }
  // Writes config() to the bundle (the rootfs is made once per fixture).
  std::string WriteBundle();
  const std::string& bundle() const { return bundle_; }
  const std::string& root() const { return root_; }
  std::string rootfs() const { return bundle_ + "/rootfs"; }
  std::string log_path() const { return log_; }

  // berth-runtime --root R --log L --log-format json ARGS..., captured.
  SpawnResult Runtime(const std::vector<std::string>& args, const std::string& stdin_data = "");
  // create + start + wait + delete in one: `run` in the foreground.
  SpawnResult Run(const std::string& id, const std::vector<std::string>& process_args);
  // JSON printed by `run` of the probe with these arguments (asserts exit 0).
  json::Json RunProbe(const std::vector<std::string>& probe_args);

  // `state ID` parsed.
  json::Json State(const std::string& id);
  // Polls `state` until status matches (or 10 s pass).
  bool WaitForStatus(const std::string& id, const std::string& status);

  // The cgroup directory of a container created with this fixture's config
  // in a v1 hierarchy ("memory"), or the cgroup2 one ("").
  std::string CgroupDir(const std::string& controller, const std::string& id) const;

  // Last JSON error record in the runtime log, or "".
  std::string LastLoggedError();

 private:
  void CheckNoLeaks(const std::string& id);

  std::string runtime_;
  TempDir dir_;
  std::string root_;
  std::string bundle_;
  std::string log_;
  json::Json config_;
  std::vector<std::string> ids_;
};

std::string ProbePath();
std::string RuntimePath();

}  // namespace berth::testing
