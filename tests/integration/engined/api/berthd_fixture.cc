#include "tests/integration/engined/api/berthd_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "common/file_util.h"
#include "common/unique_fd.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {

namespace {

// A minimal HTTP/1.1 exchange with "Connection: close": the whole response
// is read until the server closes, then parsed (chunked bodies joined).
HttpResult Exchange(const std::string& socket, const std::string& request) {
  HttpResult result;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket.c_str());
  if (::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) != 0) {
    return result;
  }
  struct timeval tv {
    60, 0
  };
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string raw;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return result;
  std::string head = raw.substr(0, head_end);
  std::string body = raw.substr(head_end + 4);
  result.status = std::atoi(head.substr(9, 3).c_str());
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      result.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = next;
  }
  if (result.headers["transfer-encoding"] == "chunked") {
    std::string joined;
    size_t at = 0;
    for (;;) {
      size_t eol = body.find("\r\n", at);
      if (eol == std::string::npos) break;
      size_t size = std::stoul(body.substr(at, eol - at), nullptr, 16);
      if (size == 0) break;
      joined += body.substr(eol + 2, size);
      at = eol + 2 + size + 2;
    }
    body = joined;
  }
  result.body = body;
  return result;
}

}  // namespace

BerthdFixture::BerthdFixture(std::vector<std::string> extra_args)
    : dir_("berthd-test"), socket_(dir_.Sub("berth.sock")), extra_args_(std::move(extra_args)) {
  RequireRoot();
  StartChildReaper();
  try {
    StartBerthd();
    LoadBusybox();
  } catch (...) {
    // A failed REQUIRE throws out of the constructor, so no destructor will
    // stop what berthd started: berth-containerd would outlive the test.
    KillEverythingStarted();
    throw;
  }
}

void BerthdFixture::LoadBusybox() {
  std::string archive = dir_.Sub("busybox.tar");
  SpawnOptions make;
  make.argv = {BinaryPath("berth-testimage"), "docker-archive", archive, "--tag", "busybox:latest"};
  absl::StatusOr<SpawnResult> made = RunCommand(make, "", std::chrono::seconds(60), dir_.path());
  REQUIRE(made.ok());
  REQUIRE(made->status.success());
  absl::StatusOr<std::string> tarball = ReadFile(archive);
  REQUIRE(tarball.ok());
  HttpResult loaded = Request("POST", "/v1.41/images/load?quiet=1", *tarball,
                              {{"Content-Type", "application/x-tar"}});
  INFO(loaded.body);
  REQUIRE(loaded.status == 200);
  REQUIRE(loaded.body.find("busybox:latest") != std::string::npos);
}

std::vector<pid_t> BerthdFixture::ProcessesOfTest() const {
  std::vector<pid_t> found;
  if (DIR* proc = ::opendir("/proc")) {
    while (struct dirent* e = ::readdir(proc)) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      absl::StatusOr<std::string> cmdline =
          ReadFile(std::string("/proc/") + e->d_name + "/cmdline");
      if (cmdline.ok() && cmdline->find(dir_.path()) != std::string::npos) {
        found.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
      }
    }
    ::closedir(proc);
  }
  return found;
}

void BerthdFixture::KillEverythingStarted() {
  if (berthd_.ok()) {
    pid_t pid = berthd_.release();
    ::kill(pid, SIGTERM);
    if (!WaitChild(pid, std::chrono::seconds(30)).ok()) ::kill(pid, SIGKILL);
  }
  for (pid_t pid : ProcessesOfTest()) ::kill(pid, SIGKILL);
}

BerthdFixture::~BerthdFixture() {
  if (!berthd_.ok()) StartBerthd();
  HttpResult list = Get("/containers/json?all=1");
  nlohmann::json containers = list.Json();
  if (containers.is_array()) {
    for (const auto& c : containers) {
      HttpResult removed = Request("DELETE", "/containers/" + c.value("Id", "") + "?force=1&v=1");
      CHECK(removed.status == 204);
    }
  }
  StopBerthd(SIGTERM);
  // berthd stops the berth-containerd it started.
  absl::StatusOr<std::string> pid_text = ReadFile(dir_.Sub("exec/containerd/berth-containerd.pid"));
  CHECK_FALSE(pid_text.ok());
  // Nothing started for this test outlives it (berth-containerd, shims).
  std::vector<pid_t> left;
  for (int i = 0; i < 50; ++i) {
    left = ProcessesOfTest();
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(left.empty());
}

void BerthdFixture::StartBerthd() {
  UniqueFd log(
      ::open(dir_.Sub("berthd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  REQUIRE(log);
  SpawnOptions spawn;
  spawn.argv = {BinaryPath("berthd"),
                "-H",
                "unix://" + socket_,
                "--data-root",
                dir_.Sub("data"),
                "--exec-root",
                dir_.Sub("exec"),
                "--config-file",
                dir_.Sub("daemon.json"),
                "--log-level",
                "debug"};
  spawn.argv.insert(spawn.argv.end(), extra_args_.begin(), extra_args_.end());
  if (!PathExists(dir_.Sub("daemon.json"))) REQUIRE(WriteFile(dir_.Sub("daemon.json"), "{}").ok());
  spawn.fds = {{1, log.get()}, {2, log.get()}};
  absl::StatusOr<ScopedPid> pid = Spawn(spawn);
  REQUIRE(pid.ok());
  berthd_ = *std::move(pid);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Get("/_ping").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("berthd did not answer /_ping within 30 s; log:\n"
       << ReadFile(dir_.Sub("berthd.log")).value_or(""));
}

void BerthdFixture::StopBerthd(int sig) {
  REQUIRE(berthd_.ok());
  pid_t pid = berthd_.release();
  ::kill(pid, sig);
  absl::StatusOr<ExitStatus> status = WaitChild(pid, std::chrono::seconds(30));
  REQUIRE(status.ok());
  if (sig == SIGTERM) CHECK(status->code == 0);
}

HttpResult BerthdFixture::Request(const std::string& method, const std::string& target,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers) {
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    request += k + ": " + v + "\r\n";
    has_type = has_type || k == "Content-Type";
  }
  if (!body.empty() && !has_type) request += "Content-Type: application/json\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return Exchange(socket_, request);
}

void BerthdFixture::Demux(const std::string& body, std::string* out, std::string* err) {
  size_t at = 0;
  while (at + 8 <= body.size()) {
    auto byte = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<unsigned char>(body[at + i]));
    };
    uint32_t size = (byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) | byte(7);
    std::string payload = body.substr(at + 8, size);
    (body[at] == 2 ? err : out)->append(payload);
    at += 8 + size;
  }
  REQUIRE(at == body.size());
}

std::string BerthdFixture::Run(const nlohmann::json& create, const std::string& name) {
  HttpResult created =
      Post("/v1.41/containers/create" + (name.empty() ? "" : "?name=" + name), create);
  INFO(created.body);
  REQUIRE(created.status == 201);
  std::string id = created.Json().value("Id", "");
  HttpResult started = Post("/v1.41/containers/" + id + "/start");
  INFO(started.body);
  REQUIRE(started.status == 204);
  return id;
}

nlohmann::json BerthdFixture::Inspect(const std::string& ref) {
  HttpResult r = Get("/v1.41/containers/" + ref + "/json");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json();
}

bool BerthdFixture::WaitStatus(const std::string& ref, const std::string& status,
                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResult r = Get("/containers/" + ref + "/json");
    if (r.status == 200 && r.Json()["State"].value("Status", "") == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string BerthdFixture::DockerCli() {
  for (const char* path : {"/usr/bin/docker", "/usr/local/bin/docker"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

SpawnResult BerthdFixture::Docker(const std::vector<std::string>& args,
                                  const std::string& stdin_data,
                                  std::chrono::milliseconds timeout) {
  SpawnOptions spawn;
  spawn.argv = {DockerCli()};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.env = std::vector<std::string>{"DOCKER_HOST=unix://" + socket_, "HOME=" + dir_.path(),
                                       "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  absl::StatusOr<SpawnResult> r = RunCommand(spawn, stdin_data, timeout, dir_.path());
  REQUIRE(r.ok());
  return *r;
}

SpawnResult BerthdFixture::Berth(const std::vector<std::string>& args,
                                 const std::string& stdin_data, std::chrono::milliseconds timeout,
                                 const std::vector<std::string>& extra_env) {
  SpawnOptions spawn;
  spawn.argv = {BinaryPath("berth")};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  std::vector<std::string> env = {"BERTH_HOST=unix://" + socket_, "HOME=" + dir_.path(),
                                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  spawn.env = env;
  absl::StatusOr<SpawnResult> r = RunCommand(spawn, stdin_data, timeout, dir_.path());
  REQUIRE(r.ok());
  return *r;
}

}  // namespace berth::testing
