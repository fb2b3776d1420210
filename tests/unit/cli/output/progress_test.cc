#include "cli/output/progress.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>

namespace berth::cli::output {
namespace {

using json = nlohmann::json;

// A ProgressPrinter writing into a temporary file, read back by Output().
class Capture {
 public:
  Capture(bool terminal, int width)
      : file_(std::tmpfile(), &std::fclose), printer_(file_.get(), terminal, width) {}

  ProgressPrinter& printer() { return printer_; }
  absl::Status Add(const char* message) { return printer_.Add(json::parse(message)); }
  std::string Output() {
    std::fflush(file_.get());
    std::rewind(file_.get());
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file_.get())) > 0) out.append(buf, n);
    return out;
  }

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  ProgressPrinter printer_;
};

// A docker pull of one layer, as berthd streams it.
constexpr const char* kPull[] = {
    R"({"status":"Pulling from library/busybox","id":"latest"})",
    R"({"status":"Pulling fs layer","progressDetail":{},"id":"a1"})",
    R"({"status":"Downloading","progressDetail":{"current":500,"total":1000},"id":"a1",)"
    R"("progress":"[=====>  ] server's bar"})",
    R"({"status":"Download complete","progressDetail":{},"id":"a1"})",
    R"({"aux":{"ID":"sha256:abc"}})",
    R"({"status":"Digest: sha256:abc"})",
    R"({"status":"Status: Downloaded newer image for busybox:latest"})",
};

TEST_CASE("off a terminal: plain lines, no progress bars", "[progress]") {
  Capture c(false, 0);
  for (const char* m : kPull) REQUIRE(c.Add(m).ok());
  CHECK(c.Output() ==
        "latest: Pulling from library/busybox\n"
        "a1: Pulling fs layer\n"
        "a1: Download complete\n"
        "Digest: sha256:abc\n"
        "Status: Downloaded newer image for busybox:latest\n");
}

TEST_CASE("on a terminal: one line per layer, rewritten in place", "[progress]") {
  Capture c(true, 120);
  for (const char* m : kPull) REQUIRE(c.Add(m).ok());
  std::string bar = "[" + std::string(25, '=') + ">" + std::string(25, ' ') + "] ";
  CHECK(c.Output() ==
        "latest: Pulling from library/busybox\n"
        "\n\x1b[1A\x1b[2K\ra1: Pulling fs layer \r\x1b[1B"
        "\x1b[1A\x1b[2K\ra1: Downloading " +
            bar +
            "    500B/1kB\r\x1b[1B"
            "\x1b[1A\x1b[2K\ra1: Download complete \r\x1b[1B"
            "Digest: sha256:abc\n"
            "Status: Downloaded newer image for busybox:latest\n");
}

TEST_CASE("two layers: the cursor climbs to the right line", "[progress]") {
  Capture c(true, 80);  // narrow: no bar
  REQUIRE(c.Add(R"({"status":"Waiting","progressDetail":{},"id":"a1"})").ok());
  REQUIRE(c.Add(R"({"status":"Waiting","progressDetail":{},"id":"b2"})").ok());
  REQUIRE(
      c.Add(R"({"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"a1"})").ok());
  CHECK(c.Output() ==
        "\n\x1b[1A\x1b[2K\ra1: Waiting \r\x1b[1B"
        "\n\x1b[1A\x1b[2K\rb2: Waiting \r\x1b[1B"
        "\x1b[2A\x1b[2K\ra1: Downloading       1B/2B\r\x1b[2B");
}

TEST_CASE("progress strings: totals, units, time left", "[progress]") {
  Capture c(true, 120);
  c.printer().SetClockForTest([] { return int64_t{110} * 1'000'000'000; });
  REQUIRE(c.Add(R"({"status":"Extracting","progressDetail":{"current":1234567},"id":"x"})").ok());
  REQUIRE(c.Add(R"({"status":"Copying","progressDetail":{"current":3,"total":10,"units":"items",)"
                R"("hidecounts":false},"id":"x"})")
              .ok());
  REQUIRE(c.Add(R"({"status":"Pushing","progressDetail":{"current":500,"total":1000,"start":100},)"
                R"("id":"x"})")
              .ok());
  REQUIRE(
      c.Add(R"({"status":"Wonky","progressDetail":{"current":2000,"total":1000},"id":"x"})").ok());
  std::string out = c.Output();
  CHECK(out.find("x: Extracting  1.235MB\r") != std::string::npos);
  CHECK(out.find("] 3/10 items\r") != std::string::npos);
  CHECK(out.find("]     500B/1kB 10s\r") != std::string::npos);
  CHECK(out.find("[" + std::string(50, '=') + ">] " + "     2kB\r") != std::string::npos);
}

TEST_CASE("a daemon's own progress string is used without progressDetail", "[progress]") {
  Capture c(false, 0);
  REQUIRE(c.Add(R"({"status":"Loading layer","progress":"[==>  ] 1MB/2MB","id":"l1"})").ok());
  CHECK(c.Output() == "l1: Loading layer [==>  ] 1MB/2MB");
}

TEST_CASE("streams print as they are, errors come back", "[progress]") {
  Capture c(false, 0);
  REQUIRE(c.Add(R"({"stream":"Loaded image: busybox:latest\n"})").ok());
  absl::Status s =
      c.Add(R"({"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"})");
  CHECK(s.code() == absl::StatusCode::kUnknown);
  CHECK(s.message() == "manifest unknown");
  CHECK(c.Add(R"({"error":"only the old field"})").message() == "only the old field");
  CHECK(c.Add(R"([1])").code() == absl::StatusCode::kInvalidArgument);
  CHECK(c.Output() == "Loaded image: busybox:latest\n");
}

TEST_CASE("an error on a layer line still moves the cursor back down", "[progress]") {
  Capture c(true, 120);
  REQUIRE(c.Add(R"({"status":"Waiting","progressDetail":{},"id":"a1"})").ok());
  absl::Status s = c.Add(R"({"errorDetail":{"message":"boom"},"progressDetail":{},"id":"a1"})");
  CHECK(s.message() == "boom");
  CHECK(c.Output() == "\n\x1b[1A\x1b[2K\ra1: Waiting \r\x1b[1B\x1b[1A\x1b[1B");
}

}  // namespace
}  // namespace berth::cli::output
