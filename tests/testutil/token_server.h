// A Bearer token server for registry tests, as docker's auth server (the
// distribution "token" auth scheme): it answers GET /token?service=&scope=
// for the basic-auth user kRegistryUser / kRegistryPassword with a JWT
// (RS256, its certificate in the x5c header) granting what the scopes ask.
// A registry started with this server trusts its certificate. Serves on
// 127.0.0.1 on a thread of its own until destroyed.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "tests/testutil/temp_dir.h"

namespace berth::testing {

class TokenServer {
 public:
  TokenServer();
  ~TokenServer();
  TokenServer(const TokenServer&) = delete;
  TokenServer& operator=(const TokenServer&) = delete;

  // The realm a registry sends clients to: "http://127.0.0.1:<port>/token".
  std::string realm() const;
  static constexpr char kService[] = "berth-test-registry";
  static constexpr char kIssuer[] = "berth-test-token-server";
  // The PEM certificate the registry verifies tokens with.
  std::string cert_bundle() const { return tmp_.Sub("token-cert.pem"); }

  // Every scope asked for so far, and how many requests were refused.
  std::vector<std::string> scopes_seen();
  int refused() const { return refused_; }

 private:
  void Serve();
  void Answer(int fd);

  TempDir tmp_{"berth-token"};
  std::string key_pem_;
  std::string cert_der_;
  UniqueFd listener_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> refused_{0};
  std::mutex mu_;
  std::vector<std::string> scopes_;
  std::thread thread_;
};

}  // namespace berth::testing
