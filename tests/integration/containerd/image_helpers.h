// Image steps tests drive through a DaemonFixture's Images, Content and
// Snapshots services: import a tarball, push and pull with their progress,
// run a task on an unpacked chain.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tests/integration/containerd/daemon_fixture.h"

namespace berth::testing {

// Images.Import of the tarball at `path`, streamed in pieces; `base_name`
// names images the tarball leaves unnamed.
std::vector<ctrpb::Image> ImportTarball(DaemonFixture& f, const std::string& path,
                                        grpc::Status* status,
                                        const std::string& base_name = "localhost/berth/busybox");

// Images.Push of image `name` to `reference`; the status.
grpc::Status PushImage(DaemonFixture& f, const std::string& name, const std::string& reference);

struct PullOutcome {
  grpc::Status status;
  std::vector<ctrpb::BlobProgress> progress;
  ctrpb::PullImageResponse last;  // the message carrying the image, if any
};
// Images.Pull of `reference` (unpacked when `unpack`). `on_progress` sees
// each progress message; returning false stops reading (the stream is
// left open: the caller decides what happens to the daemon).
using PullProgressFn = std::function<bool(const ctrpb::BlobProgress&)>;
PullOutcome PullImage(DaemonFixture& f, const std::string& reference, bool unpack,
                      const PullProgressFn& on_progress = nullptr);

// Runs `args` on a writable overlayfs snapshot of `chain_id` as container
// `id`; returns the exit status and puts the json-file log in `log`. Removes
// the task, container and snapshot.
uint32_t RunOn(DaemonFixture& f, const std::string& id, const std::string& chain_id,
               const std::vector<std::string>& args, std::string* log);

// Content.Delete of every blob the daemon holds (the test's own store is
// then empty, as before a first pull).
void DeleteAllContent(DaemonFixture& f);

// Deletes image `name` and every blob, and lets the collector remove them
// from disk, so the next pull fetches it all.
void ForgetImage(DaemonFixture& f, const std::string& name);

}  // namespace berth::testing
