// berth-pull-bench: pull and unpack of a ~100 MB image of several layers
// from a local registry, berth-containerd against Debian's containerd, in
// one run.
//
// The image: busybox plus --layers (8) gzip layers of --layer-mb (20) MB
// each, every layer half incompressible bytes (one big file) and half 8 KiB
// text-like files (so unpack pays for file creation as real images do):
// about 100 MB compressed.
// It is pushed once to Debian's docker-registry on 127.0.0.1.
//
// Each run starts a fresh daemon of each kind in its own temp dirs (empty
// content store and snapshots) and times, as processes, `berth-ctr pull REF`
// against `ctr images pull --plain-http REF` (both fetch every blob and
// unpack into overlayfs). The kinds alternate which goes first. Reported:
// median and min wall time, and the ratio of medians (target: below 1).
//
// Runs in a private mount namespace; daemons, mounts and temp dirs are
// removed at the end, also after a failure or Ctrl-C.
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/lifecycle_drivers.h"
#include "common/file_util.h"
#include "common/status.h"
#include "containerd/core/content/store.h"
#include "containerd/core/registry/client.h"
#include "tests/testimage/testimage.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/registry_server.h"

namespace {

namespace fs = std::filesystem;
namespace registry = berth::containerd::registry;
using berth::bench::BerthDaemon;
using berth::bench::Clock;
using berth::bench::ContainerdDaemon;
using berth::bench::Executable;
using berth::bench::Interrupted;
using berth::bench::Ms;
using berth::bench::Percentile;
using berth::bench::Warn;

struct Options {
  int runs = 5;
  int layers = 8;
  int layer_mb = 20;
  bool containerd = true;
  berth::bench::DaemonOptions daemons;
  std::string berth_ctr;
};

// Pseudo-text: words from a small vocabulary, so it compresses about as
// well as source files and configs do.
std::string TextLike(std::mt19937_64& rng, size_t size) {
  static const char* kWords[] = {"container", "layer", "image", "the", "of",      "runtime",
                                 "snapshot",  "{",     "}",     "=",   "0x1f",    "return",
                                 "static",    "int",   "void",  "\n",  "include", "berth"};
  std::string out;
  out.reserve(size + 16);
  while (out.size() < size) {
    out += kWords[rng() % std::size(kWords)];
    out += ' ';
  }
  out.resize(size);
  return out;
}

std::string Random(std::mt19937_64& rng, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

berth::testimage::ImageOptions BenchImage(const Options& opt) {
  berth::testimage::ImageOptions image;
  image.name = "bench/pull";
  image.tag = "v1";
  std::mt19937_64 rng(7);
  const size_t half = static_cast<size_t>(opt.layer_mb) << 19;
  for (int l = 0; l < opt.layers; ++l) {
    berth::testimage::LayerSpec layer;
    layer.files[fmt::format("opt/bench/l{}/blob.bin", l)] = Random(rng, half);
    // Small files of 8 KiB, as many as fill the other half.
    for (size_t i = 0; i < half / (8 << 10); ++i) {
      layer.files[fmt::format("opt/bench/l{}/src/{:03}/f{}.txt", l, i % 64, i)] =
          TextLike(rng, 8 << 10);
    }
    image.layers.push_back(std::move(layer));
  }
  return image;
}

// Writes the image as an OCI layout and pushes it to `reference`.
absl::Status PushImage(const Options& opt, const std::string& dir, const std::string& reference,
                       int64_t* total_bytes) {
  BERTH_ASSIGN_OR_RETURN(berth::testimage::ImageInfo info,
                         berth::testimage::CreateOciLayout(dir + "/layout", BenchImage(opt)));
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<berth::containerd::content::Store> store,
                         berth::containerd::content::Store::Open(dir + "/content"));
  *total_bytes = info.config_size + info.manifest_size;
  for (const auto& layer : info.layers) *total_bytes += layer.size;
  for (const auto& entry : fs::directory_iterator(dir + "/layout/blobs/sha256")) {
    BERTH_ASSIGN_OR_RETURN(std::string data, berth::ReadFile(entry.path().string()));
    BERTH_ASSIGN_OR_RETURN(
        berth::containerd::content::Digest digest,
        berth::containerd::content::Digest::FromHex(entry.path().filename().string()));
    BERTH_ASSIGN_OR_RETURN(
        auto writer, store->OpenWriter(digest.str(), static_cast<int64_t>(data.size()), digest));
    BERTH_RETURN_IF_ERROR(writer->Write(data));
    BERTH_RETURN_IF_ERROR(writer->Commit());
  }
  berth::containerd::images::Descriptor target;
  target.media_type = berth::containerd::images::kMediaTypeOciManifest;
  BERTH_ASSIGN_OR_RETURN(target.digest,
                         berth::containerd::content::Digest::Parse(info.manifest_digest));
  target.size = info.manifest_size;
  BERTH_ASSIGN_OR_RETURN(registry::Reference ref, registry::Reference::Parse(reference));
  registry::Client client({});
  BERTH_RETURN_IF_ERROR(client.Push(ref, *store, target, {}));
  (void)berth::RemoveAll(dir + "/layout");
  return berth::RemoveAll(dir + "/content");
}

absl::StatusOr<double> PullWithBerth(const Options& opt, const std::string& dir,
                                     const std::string& reference) {
  BerthDaemon daemon(opt.daemons, dir + "/berth", dir + "/berth-run", "");
  BERTH_RETURN_IF_ERROR(daemon.Start());
  auto t0 = Clock::now();
  BERTH_ASSIGN_OR_RETURN(
      berth::ExitStatus status,
      berth::bench::RunLogged({opt.berth_ctr, "--address", daemon.socket(), "--namespace",
                               berth::bench::kBenchNamespace, "pull", reference},
                              dir + "/berth-ctr.log", std::chrono::minutes(10)));
  double ms = Ms(t0, Clock::now());
  daemon.Stop();
  if (!status.success()) {
    return absl::UnavailableError("berth-ctr pull failed: " +
                                  berth::bench::Tail(dir + "/berth-ctr.log", 5));
  }
  return ms;
}

absl::StatusOr<double> PullWithContainerd(const Options& opt, const std::string& dir,
                                          const std::string& reference) {
  ContainerdDaemon daemon(opt.daemons, dir + "/containerd", dir + "/containerd-run");
  BERTH_RETURN_IF_ERROR(daemon.Start());
  auto t0 = Clock::now();
  absl::Status pulled = daemon.Pull(reference);
  double ms = Ms(t0, Clock::now());
  daemon.Stop();
  BERTH_RETURN_IF_ERROR(pulled);
  return ms;
}

// Everything a run left: mounts of the daemons' snapshots, then the files.
void CleanRun(const std::string& dir) {
  berth::bench::UnmountUnder(dir);
  (void)berth::RemoveAll(dir);
}

void Report(const char* name, const std::vector<double>& ms, int64_t bytes) {
  double median = Percentile(ms, 0.5);
  std::printf("  %-18s median %8.1f ms  min %8.1f ms  (%.0f MB/s at the median)\n", name, median,
              Percentile(ms, 0.0), median > 0 ? bytes / 1e6 / (median / 1000) : 0.0);
}

int Run(const Options& opt, const std::string& dir) {
  absl::StatusOr<berth::testing::RegistryProcess> reg =
      berth::testing::StartRegistry(dir + "/registry");
  if (!reg.ok()) {
    Warn(reg.status().ToString());
    return 1;
  }
  const std::string reference = fmt::format("127.0.0.1:{}/bench/pull:v1", reg->port);
  int64_t bytes = 0;
  if (absl::Status s = PushImage(opt, dir + "/push", reference, &bytes); !s.ok()) {
    Warn("push the image: " + s.ToString());
    return 1;
  }
  // After the image is built: its writers wait for their own children.
  berth::testing::StartChildReaper();
  std::printf("image: %s, %d layers + busybox, %.1f MB compressed\n", reference.c_str(), opt.layers,
              bytes / 1e6);
  std::vector<double> berth_ms;
  std::vector<double> containerd_ms;
  for (int i = 0; i < opt.runs && !Interrupted(); ++i) {
    for (int k = 0; k < 2 && !Interrupted(); ++k) {
      // Alternate which kind goes first.
      bool berth_turn = (i + k) % 2 == 0;
      if (!berth_turn && !opt.containerd) continue;
      // The last run's writeback must not land in this one's time.
      ::sync();
      std::string run_dir =
          fmt::format("{}/run-{}-{}", dir, i, berth_turn ? "berth" : "containerd");
      absl::StatusOr<double> ms = berth_turn ? PullWithBerth(opt, run_dir, reference)
                                             : PullWithContainerd(opt, run_dir, reference);
      CleanRun(run_dir);
      if (!ms.ok()) {
        Warn(std::string(berth_turn ? "berth" : "containerd") + ": " + ms.status().ToString());
        return 1;
      }
      std::printf("run %d %-10s %8.1f ms\n", i + 1, berth_turn ? "berth" : "containerd", *ms);
      std::fflush(stdout);
      (berth_turn ? berth_ms : containerd_ms).push_back(*ms);
    }
  }
  std::printf("\npull + unpack of %.1f MB, %d runs each:\n", bytes / 1e6, opt.runs);
  Report("berth-containerd", berth_ms, bytes);
  if (!containerd_ms.empty()) {
    Report("containerd (ctr)", containerd_ms, bytes);
    double ratio = Percentile(berth_ms, 0.5) / Percentile(containerd_ms, 0.5);
    // Consecutive runs of one build differ by about 5 %: closer than that
    // is a tie, not a win.
    const char* verdict = ratio < 0.95 ? "faster (target met)"
                          : ratio < 1.05
                              ? "about the same, within run-to-run noise (target not clearly met)"
                              : "slower (target missed)";
    std::printf("  ratio of medians berth / containerd: %.2f -> %s\n", ratio, verdict);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!berth::bench::EnterPrivateMountNamespace()) return 1;
  CLI::App app{"pull + unpack time of berth-containerd vs containerd", "berth-pull-bench"};
  Options opt;
  std::string self = Executable("/proc/self/exe");
  std::string build = self.substr(0, self.find_last_of('/')) + "/..";
  opt.daemons.berth_containerd = build + "/containerd/berth-containerd";
  opt.daemons.berth_shim = build + "/shim/berth-shim";
  opt.daemons.berth_runtime = build + "/runtime/berth-runtime";
  opt.berth_ctr = build + "/containerd/berth-ctr";
  app.add_option("--runs", opt.runs, "pulls per daemon (default 5)")->check(CLI::Range(1, 100));
  app.add_option("--layers", opt.layers, "layers above busybox (default 8)")
      ->check(CLI::Range(1, 50));
  app.add_option("--layer-mb", opt.layer_mb, "MB per layer (default 20)")
      ->check(CLI::Range(1, 1000));
  bool no_containerd = false;
  app.add_flag("--no-containerd", no_containerd, "measure berth-containerd only");
  CLI11_PARSE(app, argc, argv);
  opt.containerd = !no_containerd;
  if (opt.containerd && Executable(berth::bench::kContainerd).empty()) {
    Warn("containerd is not installed: measuring berth-containerd only");
    opt.containerd = false;
  }
  for (std::string* path : {&opt.daemons.berth_containerd, &opt.daemons.berth_shim,
                            &opt.daemons.berth_runtime, &opt.berth_ctr}) {
    std::string real = Executable(*path);
    if (real.empty()) {
      Warn(*path + ": not found");
      return 1;
    }
    *path = real;
  }
  std::string dir = berth::bench::MakeTempDir("berth-pull-bench");
  if (dir.empty()) return 1;
  berth::bench::CatchInterrupts();
  int code = Run(opt, dir);
  berth::bench::UnmountUnder(dir);
  (void)berth::RemoveAll(dir);
  if (Interrupted()) code = 130;
  return code;
}
