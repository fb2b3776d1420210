#include "cli/term/detach_keys.h"

#include <catch2/catch.hpp>
#include <string>

namespace berth::cli::term {
namespace {

TEST_CASE("ParseDetachKeys converts keys as moby/term ToBytes", "[detach_keys]") {
  CHECK(*ParseDetachKeys("ctrl-p,ctrl-q") == "\x10\x11");
  CHECK(*ParseDetachKeys("") == "\x10\x11");  // empty: docker's default
  CHECK(*ParseDetachKeys("ctrl-a,a") ==
        "\x01"
        "a");
  CHECK(*ParseDetachKeys("ctrl-@,ctrl-[,~,ctrl-o") == std::string("\x00\x1b~\x0f", 4));
  CHECK(*ParseDetachKeys("ctrl-\\,ctrl-],ctrl-^,ctrl-_") == "\x1c\x1d\x1e\x1f");
  CHECK(*ParseDetachKeys("ctrl-z") == "\x1a");
  CHECK(*ParseDetachKeys("DEL,+") == "\x7f+");
}

TEST_CASE("ParseDetachKeys rejects unknown keys naming the value", "[detach_keys]") {
  auto bad = ParseDetachKeys("ctrl-p,shift-z");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message() ==
        "invalid detach keys (ctrl-p,shift-z): unknown character: 'shift-z'");
  CHECK_FALSE(ParseDetachKeys("ctrl-P").ok());  // case matters, as in moby
  CHECK_FALSE(ParseDetachKeys("ctrl-p,,ctrl-q").ok());
  CHECK_FALSE(ParseDetachKeys("ctrl-").ok());
}

TEST_CASE("DetachScanner passes everything through without a sequence", "[detach_keys]") {
  DetachScanner scanner("");
  auto r = scanner.Scan("a\x10\x11");
  CHECK(r.forward == "a\x10\x11");
  CHECK_FALSE(r.detached);
}

TEST_CASE("DetachScanner detaches on the sequence", "[detach_keys]") {
  DetachScanner scanner("\x10\x11");
  SECTION("in one chunk: bytes before it are forwarded, bytes after dropped") {
    auto r = scanner.Scan("ls\x10\x11more");
    CHECK(r.forward == "ls");
    CHECK(r.detached);
    CHECK(scanner.detached());
    auto again = scanner.Scan("x");
    CHECK(again.forward.empty());
    CHECK(again.detached);
  }
  SECTION("split across chunks: the prefix is held back") {
    auto r1 = scanner.Scan("a\x10");
    CHECK(r1.forward == "a");
    CHECK_FALSE(r1.detached);
    CHECK(scanner.held() == 1);
    auto r2 = scanner.Scan("\x11");
    CHECK(r2.forward.empty());
    CHECK(r2.detached);
  }
}

TEST_CASE("DetachScanner flushes a broken prefix", "[detach_keys]") {
  DetachScanner scanner("\x10\x11");
  SECTION("within a chunk") {
    auto r = scanner.Scan(
        "a\x10"
        "b");
    CHECK(r.forward ==
          "a\x10"
          "b");
    CHECK_FALSE(r.detached);
  }
  SECTION("across chunks") {
    CHECK(scanner.Scan("\x10").forward.empty());
    auto r = scanner.Scan("bc");
    CHECK(r.forward ==
          "\x10"
          "bc");
    CHECK_FALSE(r.detached);
    CHECK(scanner.held() == 0);
    // A later full sequence still detaches.
    CHECK(scanner.Scan("\x10\x11").detached);
  }
  SECTION("the breaking byte does not start a new match, as in moby/term") {
    auto r = scanner.Scan("\x10\x10\x11");
    CHECK(r.forward == "\x10\x10\x11");
    CHECK_FALSE(r.detached);
  }
}

TEST_CASE("DetachScanner handles a longer sequence one byte at a time", "[detach_keys]") {
  DetachScanner scanner("abc");
  std::string forwarded;
  bool detached = false;
  for (char c : std::string("xabxabcz")) {
    auto r = scanner.Scan(std::string(1, c));
    forwarded += r.forward;
    if (r.detached) {
      detached = true;
      break;
    }
  }
  CHECK(detached);
  CHECK(forwarded == "xabx");
}

}  // namespace
}  // namespace berth::cli::term
