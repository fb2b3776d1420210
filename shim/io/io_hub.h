// The shim's one I/O thread: an epoll loop that copies every process's
// stdout / stderr (pipes, or a pty master) to its log writer and its
// attachers, feeds queued stdin, and dispatches the other fds the shim
// watches (signalfd for SIGCHLD, OOM notifications). No thread per stream.
//
// The container never waits for us: output is read as soon as it is
// readable; an attacher that falls behind loses output (its sink decides),
// the log never does.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "shim/log/log_writer.h"

namespace berth::shim::io {

using logs::Stream;

// Receives a process's output on the hub thread. Must not block.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void OnOutput(Stream stream, std::string_view data) = 0;
  // Every output stream of the process reached end of file.
  virtual void OnOutputClosed() = 0;
};

struct ProcessStdio {
  UniqueFd stdin_fd;   // write end of the stdin pipe, or the pty master; may be unset
  UniqueFd stdout_fd;  // read end of the stdout pipe, or the pty master
  UniqueFd stderr_fd;  // unset with a terminal
  bool terminal = false;
};

class IoHub {
 public:
  static absl::StatusOr<std::unique_ptr<IoHub>> Create();
  ~IoHub();

  // Runs the loop on its own thread until Stop() (or destruction).
  void Start();
  void Stop();

  // A process under `key` (its exec id; "" for the init), whose output
  // goes to `log` (may be null) and to attached sinks. Clients may attach
  // and queue stdin before its stdio is connected (the process started).
  absl::Status AddProcess(const std::string& key, std::unique_ptr<logs::LogWriter> log);
  absl::Status ConnectStdio(const std::string& key, ProcessStdio stdio);
  // Forgets the process and closes what is left of its stdio.
  void RemoveProcess(const std::string& key);

  absl::Status Attach(const std::string& key, OutputSink* sink, bool want_stdout, bool want_stderr);
  // After Detach returns the sink is never called again.
  void Detach(const std::string& key, OutputSink* sink);

  // Queues `data` for the process's stdin; `done` runs once it is written
  // (or failed) so that the caller can read more from its client.
  void WriteStdin(const std::string& key, std::string data, std::function<void(absl::Status)> done);
  // Closes stdin once what is queued is written.
  absl::Status CloseStdin(const std::string& key);
  absl::Status ResizeConsole(const std::string& key, unsigned width, unsigned height);

  // Runs `done` (on the hub thread) once all output of `key` reached end of
  // file, or `grace` after this call, whichever is first: processes that
  // outlive the one that exited may hold the pipes open.
  void WhenDrained(const std::string& key, std::chrono::milliseconds grace,
                   std::function<void()> done);

  // Watches another fd; `on_readable` runs on the hub thread.
  absl::Status Watch(int fd, std::function<void()> on_readable);
  void Unwatch(int fd);

 private:
  struct Output;
  struct Process;
  struct DrainWait;

  explicit IoHub(UniqueFd epoll, UniqueFd wake);
  void Loop();
  void Wake();
  // Each returns the callbacks to run once the lock is released.
  void ReadOutput(Process& process, Output& output, std::vector<std::function<void()>>& after);
  void FlushStdin(Process& process, std::vector<std::function<void()>>& after);
  void CloseOutput(Process& process, Output& output, std::vector<std::function<void()>>& after);
  void CheckDrained(const std::string& key, Process& process,
                    std::vector<std::function<void()>>& after);
  void ExpireDrainWaits(std::vector<std::function<void()>>& after);
  std::chrono::milliseconds NextDrainDeadline();

  std::mutex mu_;
  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: a change that the loop should notice
  bool stopping_ = false;
  std::thread thread_;
  uint64_t next_token_ = 1;
  // epoll data carries a token; a token whose owner is gone is skipped.
  std::map<uint64_t, std::function<void(uint32_t events)>> handlers_;
  std::map<std::string, std::unique_ptr<Process>> processes_;
  std::map<int, uint64_t> watched_;
  std::vector<DrainWait> drain_waits_;
};

}  // namespace berth::shim::io
