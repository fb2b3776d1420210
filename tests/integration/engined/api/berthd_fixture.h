// A real berthd (and the berth-containerd it starts) in a temp dir, the
// busybox image loaded, and ways to talk to it: raw HTTP for exact status
// codes and bodies, and the docker CLI where it is installed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/scoped_pid.h"
#include "common/spawn.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class BerthdFixture {
 public:
  BerthdFixture() : BerthdFixture(std::vector<std::string>{}) {}
  // berthd started with `extra_args` after the fixture's own (-H for a
  // second listener, for instance).
  explicit BerthdFixture(std::vector<std::string> extra_args);
  // Removes every container (force, with volumes), stops berthd (which
  // stops its berth-containerd) and checks that both are gone.
  ~BerthdFixture();

  const std::string& socket() const { return socket_; }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

  void StartBerthd();
  // Sends `sig` to berthd and waits for it (SIGKILL leaves berth-containerd
  // and the containers running, as after a crash).
  void StopBerthd(int sig);

  // One request on a fresh connection (body as given, JSON when it parses).
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult Get(const std::string& target) { return Request("GET", target); }
  HttpResult Post(const std::string& target, const nlohmann::json& body = nullptr) {
    return Request("POST", target, body.is_null() ? "" : body.dump());
  }

  // Frames of a multiplexed stream body, split into stdout and stderr.
  static void Demux(const std::string& body, std::string* out, std::string* err);

  // POST /containers/create, then start; the id.
  std::string Run(const nlohmann::json& create, const std::string& name = "");
  nlohmann::json Inspect(const std::string& ref);
  // Polls inspect until State.Status is `status` (or the timeout).
  bool WaitStatus(const std::string& ref, const std::string& status,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // berth ARGS (our CLI) with BERTH_HOST pointing at this berthd and HOME
  // in the test's dir (so ~/.berth is the test's own).
  SpawnResult Berth(const std::vector<std::string>& args, const std::string& stdin_data = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(60),
                    const std::vector<std::string>& extra_env = {});

  // Whether the docker CLI is installed; the CLI tests skip (visibly) without it.
  static std::string DockerCli();
  // docker ARGS with DOCKER_HOST pointing at this berthd.
  SpawnResult Docker(const std::vector<std::string>& args, const std::string& stdin_data = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  void LoadBusybox();
  // Processes whose command line names the test's dir (berthd,
  // berth-containerd, shims).
  std::vector<pid_t> ProcessesOfTest() const;
  // Stops berthd and kills whatever else the test started.
  void KillEverythingStarted();

  TempDir dir_;
  std::string socket_;
  std::vector<std::string> extra_args_;
  ScopedPid berthd_;
};

}  // namespace berth::testing
