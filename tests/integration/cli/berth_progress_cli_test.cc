// pull and load at a terminal: docker's per-layer progress lines, redrawn
// in place (cursor up, erase line, cursor down), and the plain form when the
// output is not a terminal; beside the docker CLI on the same daemon and
// under the same pty, whose screens must end up the same.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/cli/cli_process.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

// What a terminal shows once `raw` has been written to it: the cursor
// movements the progress output uses (CR, LF, ESC[nA, ESC[nB, ESC[2K)
// applied to a grid of lines, trailing blanks dropped.
std::vector<std::string> Screen(const std::string& raw) {
  std::vector<std::string> lines(1);
  size_t row = 0, col = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '[') {
      size_t j = i + 2;
      size_t n = 0;
      while (j < raw.size() && raw[j] >= '0' && raw[j] <= '9') n = n * 10 + (raw[j++] - '0');
      if (j >= raw.size()) break;
      char op = raw[j];
      if (op == 'A') row -= std::min(row, std::max<size_t>(n, 1));
      if (op == 'B') row += std::max<size_t>(n, 1);
      if (op == 'K' && row < lines.size()) lines[row].clear();
      i = j;
      continue;
    }
    if (lines.size() <= row) lines.resize(row + 1);
    if (c == '\r') {
      col = 0;
    } else if (c == '\n') {
      ++row;
    } else {
      std::string& line = lines[row];
      if (line.size() <= col) line.resize(col + 1, ' ');
      line[col++] = c;
    }
  }
  for (std::string& line : lines) line.erase(line.find_last_not_of(' ') + 1);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// A three-layer image, loaded into the daemon; the digests of its layers,
// base first (plain tars, so digest = diffID).
std::vector<std::string> LoadMultiLayer(BerthdFixture& f, const std::string& archive) {
  SpawnOptions make;
  make.argv = {BinaryPath("berth-testimage"),
               "docker-archive",
               archive,
               "--layers",
               "3",
               "--tag",
               "multi:latest"};
  absl::StatusOr<SpawnResult> made = RunCommand(make, "", std::chrono::seconds(60), f.Path(""));
  REQUIRE(made.ok());
  REQUIRE(made->status.success());
  SpawnResult loaded = f.Berth({"load", "-i", archive});
  INFO(loaded.err);
  REQUIRE(loaded.out == "Loaded image: multi:latest\n");  // not a terminal: no layer lines
  SpawnResult layers = f.Berth({"image", "inspect", "-f", "{{json .RootFS.Layers}}", "multi"});
  nlohmann::json ids = nlohmann::json::parse(layers.out, nullptr, false);
  REQUIRE(ids.is_array());
  REQUIRE(ids.size() == 3);
  std::vector<std::string> out;
  for (const nlohmann::json& id : ids) out.push_back(id.get<std::string>());
  return out;
}

std::string Short(const std::string& digest) { return digest.substr(7, 12); }

// After rmi, berth-containerd collects the blobs a moment later (its gc is
// debounced): wait for them, so that the next pull downloads them again.
void WaitForBlobsGone(BerthdFixture& f, const std::vector<std::string>& digests) {
  for (const std::string& d : digests) {
    std::string blob = f.Path("data/containerd/content/blobs/sha256/" + d.substr(7));
    for (int i = 0; i < 100 && PathExists(blob); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO(blob);
    REQUIRE_FALSE(PathExists(blob));
  }
}

// The lines from `first` to `last` (exclusive) sorted: the layers' lines
// come in the order their downloads start.
std::vector<std::string> SortedRange(std::vector<std::string> lines, size_t first, size_t last) {
  std::sort(lines.begin() + static_cast<ptrdiff_t>(first),
            lines.begin() + static_cast<ptrdiff_t>(std::min(last, lines.size())));
  return lines;
}

TEST_CASE("berth pull at a terminal draws docker's per-layer progress",
          "[cli][berthd][images][registry][tty]") {
  RegistryServer registry;
  BerthdFixture f;
  std::vector<std::string> layers = LoadMultiLayer(f, f.Path("multi.tar"));
  std::string ref = registry.host() + "/berth/multi:v1";
  REQUIRE(f.Berth({"tag", "multi", ref}).status.code == 0);
  REQUIRE(f.Berth({"push", ref}).status.code == 0);
  // Nothing of it stays, so every layer is downloaded (busybox shares one).
  REQUIRE(f.Berth({"rmi", "multi", ref, "busybox"}).status.code == 0);
  WaitForBlobsGone(f, layers);

  PtyRun ours = RunOnPty(f, false, {"pull", ref});
  INFO(nlohmann::json(ours.output).dump());
  CHECK(ours.status.code == 0);
  const std::string& out = ours.output;
  CHECK_THAT(out, Catch::StartsWith("v1: Pulling from berth/multi\r\n"));
  for (const std::string& layer : layers) {
    std::string id = Short(layer);
    INFO(id);
    // Each layer's line, erased and rewritten in place, then the cursor
    // back down.
    CHECK_THAT(out, Catch::Contains("\x1b[2K\r" + id + ": Pulling fs layer \r\x1b["));
    CHECK_THAT(out, Catch::Contains("\x1b[2K\r" + id + ": Downloading [="));
    CHECK_THAT(out, Catch::Contains("\x1b[2K\r" + id + ": Download complete \r\x1b["));
    CHECK_THAT(out, Catch::Contains("\x1b[2K\r" + id + ": Extracting \r\x1b["));
    CHECK_THAT(out, Catch::Contains("\x1b[2K\r" + id + ": Pull complete \r\x1b["));
  }
  // The first layer's line is three up once the third has appeared.
  CHECK_THAT(out, Catch::Contains("\x1b[3A\x1b[2K\r"));
  CHECK_THAT(out, Catch::Contains("BDigest: sha256:"));  // ESC[nB, then the line
  CHECK_THAT(out, Catch::EndsWith("\r\nStatus: Downloaded newer image for " + ref + "\r\n" + ref +
                                  "\r\n"));

  // What stays on the screen: one line per layer, at its last state.
  std::vector<std::string> screen = Screen(out);
  REQUIRE(screen.size() == 7);
  CHECK(screen[0] == "v1: Pulling from berth/multi");
  std::vector<std::string> complete;
  for (const std::string& layer : layers) complete.push_back(Short(layer) + ": Pull complete");
  std::sort(complete.begin(), complete.end());
  std::vector<std::string> layer_lines(screen.begin() + 1, screen.begin() + 4);
  std::sort(layer_lines.begin(), layer_lines.end());
  CHECK(layer_lines == complete);
  CHECK_THAT(screen[4], Catch::StartsWith("Digest: sha256:"));
  CHECK(screen[5] == "Status: Downloaded newer image for " + ref);
  CHECK(screen[6] == ref);

  // Not a terminal: plain lines, no bars, no cursor movement.
  REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
  WaitForBlobsGone(f, layers);
  SpawnResult plain = f.Berth({"pull", ref});
  CHECK(plain.status.code == 0);
  CHECK_THAT(plain.out, Catch::StartsWith("v1: Pulling from berth/multi\n"));
  CHECK(plain.out.find('\x1b') == std::string::npos);
  CHECK(plain.out.find("Downloading") == std::string::npos);
  for (const std::string& layer : layers) {
    CHECK_THAT(plain.out, Catch::Contains(Short(layer) + ": Pulling fs layer\n"));
    CHECK_THAT(plain.out, Catch::Contains(Short(layer) + ": Pull complete\n"));
  }
  // Base layer first at the end, as docker extracts them.
  CHECK_THAT(plain.out, Catch::Contains(Short(layers[0]) + ": Extracting\n" + Short(layers[0]) +
                                        ": Pull complete\n" + Short(layers[1]) + ": Extracting\n"));
  CHECK_THAT(plain.out,
             Catch::EndsWith("Status: Downloaded newer image for " + ref + "\n" + ref + "\n"));

  // A layer already there: "Already exists", and nothing more on its line.
  REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
  WaitForBlobsGone(f, layers);
  REQUIRE(f.Berth({"load", "-i", f.Path("busybox.tar")}).status.code == 0);
  PtyRun partly = RunOnPty(f, false, {"pull", ref});
  INFO(nlohmann::json(partly.output).dump());
  std::vector<std::string> partly_screen = Screen(partly.output);
  REQUIRE(partly_screen.size() == 7);
  CHECK(partly_screen[1] == Short(layers[0]) + ": Already exists");
  CHECK(partly.output.find(Short(layers[0]) + ": Pull complete") == std::string::npos);

  if (!HaveDocker()) return;
  // The docker CLI on the same daemon, under the same pty: the same screen,
  // and the same plain output (layer lines in their own order).
  REQUIRE(f.Berth({"rmi", ref, "busybox"}).status.code == 0);
  WaitForBlobsGone(f, layers);
  PtyRun theirs = RunOnPty(f, true, {"pull", ref});
  INFO(nlohmann::json(theirs.output).dump());
  CHECK(theirs.status.code == 0);
  CHECK(SortedRange(Screen(theirs.output), 1, 4) == SortedRange(screen, 1, 4));
  REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
  WaitForBlobsGone(f, layers);
  SpawnResult docker_plain = f.Docker({"pull", ref});
  std::vector<std::string> ours_lines = SplitToStrings(plain.out, '\n');
  std::vector<std::string> theirs_lines = SplitToStrings(docker_plain.out, '\n');
  std::sort(ours_lines.begin(), ours_lines.end());
  std::sort(theirs_lines.begin(), theirs_lines.end());
  CHECK(theirs_lines == ours_lines);
}

TEST_CASE("berth load at a terminal draws a line per layer", "[cli][berthd][images][tty]") {
  BerthdFixture f;
  std::string archive = f.Path("multi.tar");
  std::vector<std::string> layers = LoadMultiLayer(f, archive);
  absl::StatusOr<std::string> tar = ReadFile(archive);
  REQUIRE(tar.ok());
  REQUIRE(f.Berth({"rmi", "multi", "busybox"}).status.code == 0);
  WaitForBlobsGone(f, layers);

  PtyRun ours = RunOnPty(f, false, {"load", "-i", archive});
  INFO(nlohmann::json(ours.output).dump());
  CHECK(ours.status.code == 0);
  for (size_t i = 0; i < layers.size(); ++i) {
    INFO(layers[i]);
    // A new layer: a new line, the cursor back up to it, the line drawn.
    CHECK_THAT(ours.output, Catch::Contains("\r\n\x1b[1A\x1b[2K\r" + Short(layers[i]) +
                                            ": Loading layer [=================================="
                                            "================>] "));
  }
  CHECK_THAT(ours.output, Catch::EndsWith("Loaded image: multi:latest\r\n"));
  std::vector<std::string> screen = Screen(ours.output);
  REQUIRE(screen.size() == 4);
  for (size_t i = 0; i < 3; ++i) {
    CHECK_THAT(screen[i], Catch::StartsWith(Short(layers[i]) + ": Loading layer [====="));
  }
  CHECK(screen[3] == "Loaded image: multi:latest");

  // Not a terminal: the "Loaded image" line alone (docker asks for quiet).
  REQUIRE(f.Berth({"rmi", "multi"}).status.code == 0);
  SpawnResult plain = f.Berth({"load"}, *tar);
  CHECK(plain.out == "Loaded image: multi:latest\n");

  if (!HaveDocker()) return;
  REQUIRE(f.Berth({"rmi", "multi"}).status.code == 0);
  WaitForBlobsGone(f, layers);
  PtyRun theirs = RunOnPty(f, true, {"load", "-i", archive});
  CHECK(theirs.status.code == 0);
  CHECK(theirs.output == ours.output);
  REQUIRE(f.Berth({"rmi", "multi"}).status.code == 0);
  CHECK(f.Docker({"load"}, *tar).out == plain.out);
}

}  // namespace
}  // namespace berth::testing
