// A throwaway PKI for TLS tests: a CA, a server certificate for
// 127.0.0.1 and a client certificate, written as PEM files in a temp dir
// (docker's ca.pem / cert.pem / key.pem names for the client's).
#pragma once

#include <string>

#include "tests/testutil/temp_dir.h"

namespace berth::testing {

struct TestPki {
  TempDir dir;
  std::string ca = dir.Sub("ca.pem");
  std::string server_cert = dir.Sub("server-cert.pem");
  std::string server_key = dir.Sub("server-key.pem");
  std::string client_cert = dir.Sub("cert.pem");
  std::string client_key = dir.Sub("key.pem");

  // Makes the keys and certificates (Catch REQUIREs on failure). PKIs
  // that must not vouch for each other need CAs of different names.
  explicit TestPki(const std::string& ca_name = "berth test CA");
};

}  // namespace berth::testing
