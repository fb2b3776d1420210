// A relay between a client and an engine's unix socket that notes when
// each HTTP request goes out and when the last byte of its answer comes
// back, for berth-berthd-bench --trace-api: which Engine API calls a
// `docker run` makes, and how long each one takes, for any engine.
//
// Bytes are passed on unchanged, both ways, also after a connection is
// hijacked (attach); a half-close is passed on as one. A request starts
// with a client write that begins with an HTTP method; it ends at the last
// byte the engine sends on that connection before the next request (for
// wait: the status body), or for a hijacked connection (attach) when the
// engine ends the stream.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace berth::bench {

struct ApiCall {
  // "POST /containers/{id}/start": the method and the path without the
  // API version, the query and object ids.
  std::string name;
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point end;
};

// "POST /v1.41/containers/0123...ef/wait?condition=removed" ->
// "POST /containers/{id}/wait".
std::string ApiCallName(const std::string& request_line);

class ApiTrace {
 public:
  // Listens on `listen` and relays each connection to `target`.
  static absl::StatusOr<std::unique_ptr<ApiTrace>> Start(const std::string& listen,
                                                         const std::string& target);
  // Stops accepting, ends every relay and waits for their threads.
  ~ApiTrace();
  ApiTrace(const ApiTrace&) = delete;
  ApiTrace& operator=(const ApiTrace&) = delete;

  const std::string& socket() const { return listen_; }

  // The calls recorded since the last Take, in the order they started;
  // calls still open are included as they are.
  std::vector<ApiCall> Take();

 private:
  ApiTrace(std::string listen, std::string target, UniqueFd listener, UniqueFd stop);
  void AcceptLoop();
  void Relay(UniqueFd client);
  // Appends a call; its index for EndCall.
  size_t BeginCall(const std::string& request_line);
  void EndCall(size_t index);

  std::string listen_;
  std::string target_;
  UniqueFd listener_;
  UniqueFd stop_;  // an eventfd, readable once the relay is stopping
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> relays_;
  std::vector<ApiCall> calls_;
  size_t taken_ = 0;
};

}  // namespace berth::bench
