// What every berth-shim integration test needs: a busybox bundle, a shim
// started with `berth-shim start` as its own process in temp dirs, a
// generated gRPC client, and at the end a check that nothing is left.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "berth/shim/v1/shim.grpc.pb.h"
#include "common/json_util.h"
#include "common/spawn.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {

namespace shimpb = ::berth::shim::v1;

class ShimFixture {
 public:
  // `runtime`: the OCI runtime the shim drives; default is berth-runtime.
  explicit ShimFixture(std::string runtime = "");
  ~ShimFixture();

  const std::string& id() const { return id_; }
  const std::string& bundle() const { return bundle_; }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }
  json::Json& config() { return config_; }
  void SetArgs(const std::vector<std::string>& args);

  // berth-shim GLOBAL-FLAGS ARGS..., captured.
  SpawnResult Shim(const std::vector<std::string>& args);
  // Writes the bundle, runs `start`, connects. Returns the address.
  std::string Start();
  // A fresh channel and stub, as a client that comes back would make.
  void Reconnect();
  // Uses a shim someone else started, at `address` (unix:///path).
  void Attach(const std::string& address);
  shimpb::Shim::Stub& stub() { return *stub_; }
  pid_t ShimPid() const;

  // Create with a json-file log at Path("ctr.log") unless `log_format` is "".
  grpc::Status Create(shimpb::CreateRequest request = {});
  // Exec with `request` (its id filled in): exec_id, spec and the stdio flags.
  grpc::Status Exec(shimpb::ExecRequest request);
  grpc::Status StartTask(const std::string& exec_id = "", uint32_t* pid = nullptr);
  // Wait; asserts success and returns the exit status.
  uint32_t WaitExit(const std::string& exec_id = "");
  grpc::Status Delete(const std::string& exec_id = "", bool force = false,
                      shimpb::DeleteResponse* response = nullptr);
  grpc::Status Kill(int signal, const std::string& exec_id = "", bool all = false);
  shimpb::StateResponse State(const std::string& exec_id = "");

 private:
  std::string runtime_;
  TempDir dir_;
  std::string id_;
  std::string bundle_;
  json::Json config_;
  std::string socket_path_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<shimpb::Shim::Stub> stub_;
};

std::string ShimPath();
// An exec process spec (the OCI process object) running `args`.
std::string ExecSpec(const std::vector<std::string>& args, bool terminal = false);

}  // namespace berth::testing
