#include "shim/log/line_splitter.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace berth::shim::logs {
namespace {

// A record as text: "F:content" for a complete line's (last) record, "P:" for
// a part, with a '+' after the tag when earlier parts of the line came first.
std::vector<std::string> Split(SplitStyle style, const std::vector<std::string_view>& chunks,
                               bool finish = false, size_t max_len = 4) {
  LineSplitter splitter(style, max_len);
  std::vector<std::string> records;
  auto emit = [&](const LineRecord& r) {
    records.push_back(std::string(r.complete ? "F" : "P") + (r.continued ? "+" : "") + ":" +
                      std::string(r.content));
  };
  for (std::string_view chunk : chunks) splitter.Feed(chunk, emit);
  if (finish) splitter.Finish(emit);
  return records;
}

std::vector<std::string> SplitBytewise(SplitStyle style, std::string_view data, bool finish,
                                       size_t max_len) {
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < data.size(); ++i) chunks.push_back(data.substr(i, 1));
  return Split(style, chunks, finish, max_len);
}

using V = std::vector<std::string>;

TEST_CASE("lines split on newlines in any chunking", "[line_splitter]") {
  for (SplitStyle style : {SplitStyle::kDocker, SplitStyle::kContainerd}) {
    CHECK(Split(style, {"a\nbc\n\n"}) == V{"F:a", "F:bc", "F:"});
    CHECK(Split(style, {"a", "\nb", "c\n", "\n"}) == V{"F:a", "F:bc", "F:"});
    CHECK(Split(style, {"ope"}) == V{});
    CHECK(Split(style, {"ab"}, /*finish=*/true) == V{"P:ab"});
    CHECK(Split(style, {""}, /*finish=*/true) == V{});
  }
}

TEST_CASE("docker cuts a line as soon as max_len bytes are buffered", "[line_splitter]") {
  const auto docker = SplitStyle::kDocker;
  CHECK(Split(docker, {"abc\n"}) == V{"F:abc"});
  // Exactly max_len: a full part, then a record holding only the newline.
  CHECK(Split(docker, {"abcd\n"}) == V{"P:abcd", "F+:"});
  CHECK(Split(docker, {"abcd"}) == V{"P:abcd"});
  CHECK(Split(docker, {"abcde\n"}) == V{"P:abcd", "F+:e"});
  CHECK(Split(docker, {"abcdefgh\n"}) == V{"P:abcd", "P+:efgh", "F+:"});
  CHECK(Split(docker, {"ab", "cdef", "g\n"}) == V{"P:abcd", "F+:efg"});
  // '\r' is content.
  CHECK(Split(docker, {"ab\r\n"}) == V{"F:ab\r"});
  CHECK(Split(docker, {"abc\r\n"}) == V{"P:abc\r", "F+:"});
  // At EOF the rest is a part; a line cut at a boundary leaves nothing.
  CHECK(Split(docker, {"abcdef"}, true) == V{"P:abcd", "P+:ef"});
  CHECK(Split(docker, {"abcd"}, true) == V{"P:abcd"});
}

TEST_CASE("containerd cuts only lines longer than max_len", "[line_splitter]") {
  const auto cri = SplitStyle::kContainerd;
  CHECK(Split(cri, {"abcd\n"}) == V{"F:abcd"});
  CHECK(Split(cri, {"abcde\n"}) == V{"P:abcd", "F+:e"});
  CHECK(Split(cri, {"abcdefgh\n"}) == V{"P:abcd", "F+:efgh"});
  CHECK(Split(cri, {"abcdefghi\n"}) == V{"P:abcd", "P+:efgh", "F+:i"});
  CHECK(Split(cri, {"abcd"}) == V{});
  CHECK(Split(cri, {"abcde"}) == V{"P:abcd"});
  CHECK(Split(cri, {"abcdef"}, true) == V{"P:abcd", "P+:ef"});
}

TEST_CASE("containerd ends a line at CR LF and keeps other CRs", "[line_splitter]") {
  const auto cri = SplitStyle::kContainerd;
  CHECK(Split(cri, {"ab\r\n"}) == V{"F:ab"});
  CHECK(Split(cri, {"\r\n"}) == V{"F:"});
  CHECK(Split(cri, {"a\rb\n"}) == V{"F:a\rb"});
  CHECK(Split(cri, {"ab\r\r\n"}) == V{"F:ab\r"});
  // The "\r\n" does not count towards the limit, even split across chunks.
  CHECK(Split(cri, {"abcd\r\n"}) == V{"F:abcd"});
  CHECK(Split(cri, {"abcd\r", "\n"}) == V{"F:abcd"});
  CHECK(Split(cri, {"abcd", "\r", "\n"}) == V{"F:abcd"});
  // A '\r' that is not followed by '\n' does.
  CHECK(Split(cri, {"abcd\r", "x\n"}) == V{"P:abcd", "F+:\rx"});
  CHECK(Split(cri, {"abcd\rx\r\n"}) == V{"P:abcd", "F+:\rx"});
  // At EOF a trailing '\r' is content.
  CHECK(Split(cri, {"ab\r"}, true) == V{"P:ab\r"});
  CHECK(Split(cri, {"abcd\r"}, true) == V{"P:abcd", "P+:\r"});
}

TEST_CASE("a stream can start over after Finish", "[line_splitter]") {
  LineSplitter splitter(SplitStyle::kDocker, 4);
  std::vector<std::string> records;
  auto emit = [&](const LineRecord& r) {
    records.push_back(std::string(r.continued ? "+" : "") + std::string(r.content));
  };
  splitter.Feed("abcdef", emit);
  splitter.Finish(emit);
  CHECK(splitter.pending() == 0);
  splitter.Feed("gh\n", emit);
  CHECK(records == V{"abcd", "+ef", "gh"});
}

TEST_CASE("chunking never changes the records", "[line_splitter]") {
  const std::string data =
      "short\nexactly4\nabcd\nabcde\n\r\n\n12345678\n1234\r\nabc\r\rdef\r\nlonglonglong\r";
  for (SplitStyle style : {SplitStyle::kDocker, SplitStyle::kContainerd}) {
    for (size_t max_len : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{64}}) {
      for (bool finish : {false, true}) {
        INFO("style " << static_cast<int>(style) << " max_len " << max_len);
        V whole = Split(style, {data}, finish, max_len);
        CHECK(SplitBytewise(style, data, finish, max_len) == whole);
        for (size_t cut = 0; cut <= data.size(); ++cut) {
          std::string_view d = data;
          CHECK(Split(style, {d.substr(0, cut), d.substr(cut)}, finish, max_len) == whole);
        }
      }
    }
  }
}

TEST_CASE("the 16 KiB default boundary", "[line_splitter]") {
  const size_t k = LineSplitter::kDefaultMaxLen;
  REQUIRE(k == 16384);
  auto sizes = [](SplitStyle style, const std::string& data) {
    LineSplitter splitter(style);
    std::vector<std::string> out;
    splitter.Feed(data, [&](const LineRecord& r) {
      out.push_back((r.complete ? "F" : "P") + std::to_string(r.content.size()));
    });
    return out;
  };
  std::string line16383(k - 1, 'x'), line16384(k, 'x'), line16385(k + 1, 'x');
  CHECK(sizes(SplitStyle::kDocker, line16383 + "\n") == V{"F16383"});
  CHECK(sizes(SplitStyle::kDocker, line16384 + "\n") == V{"P16384", "F0"});
  CHECK(sizes(SplitStyle::kDocker, line16385 + "\n") == V{"P16384", "F1"});
  CHECK(sizes(SplitStyle::kContainerd, line16384 + "\n") == V{"F16384"});
  CHECK(sizes(SplitStyle::kContainerd, line16384 + "\r\n") == V{"F16384"});
  CHECK(sizes(SplitStyle::kContainerd, line16385 + "\n") == V{"P16384", "F1"});
  CHECK(sizes(SplitStyle::kContainerd, std::string(3 * k, 'x') + "\n") ==
        V{"P16384", "P16384", "F16384"});
}

}  // namespace
}  // namespace berth::shim::logs
