#include "cli/output/tabwriter.h"

#include <catch2/catch.hpp>

namespace berth::cli::output {
namespace {

std::string Format(int min_width, int tab_width, int padding, char pad_char, unsigned flags,
                   std::string_view text) {
  TabWriter w(min_width, tab_width, padding, pad_char, flags);
  w.Write(text);
  w.Flush();
  return w.output();
}

// The examples of Go's text/tabwriter documentation, with their outputs.
TEST_CASE("Go's elastic example: column blocks, right alignment, debug bars", "[tabwriter]") {
  CHECK(Format(0, 8, 1, '.', TabWriter::kAlignRight | TabWriter::kDebug,
               "a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n") ==
        "....a|..b|c\n"
        "...aa|.bb|cc\n"
        "..aaa|\n"
        ".aaaa|.dddd|eeee\n");
}

TEST_CASE("Go's Init example: tab padding and right-aligned spaces", "[tabwriter]") {
  std::string text = "a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n";
  CHECK(Format(0, 8, 0, '\t', 0, text) ==
        "a\tb\tc\td\t\t.\n"
        "123\t12345\t1234567\t123456789\t.\n"
        "\n");
  CHECK(Format(5, 0, 1, ' ', TabWriter::kAlignRight, text) ==
        "    a     b       c         d.\n"
        "  123 12345 1234567 123456789.\n"
        "\n");
}

TEST_CASE("Go's trailing tab example: a cell without a tab is no column", "[tabwriter]") {
  std::string text =
      "a\tb\taligned\t\naa\tbb\taligned\t\naaa\tbbb\tunaligned\naaaa\tbbbb\taligned\t\n";
  CHECK(Format(0, 0, 3, '-', TabWriter::kAlignRight | TabWriter::kDebug, text) ==
        "------a|------b|---aligned|\n"
        "-----aa|-----bb|---aligned|\n"
        "----aaa|----bbb|unaligned\n"
        "---aaaa|---bbbb|---aligned|\n");
}

TEST_CASE("a column block ends where a line has no cell in it", "[tabwriter]") {
  // "b" and "cccc" are in different blocks: the line "a\t" breaks column 2.
  CHECK(Format(0, 1, 1, ' ', 0, "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n") ==
        "aaaa bbb d\n"
        "aa   b   dd\n"
        "a    \n"
        "aa   cccc eee\n");
}

TEST_CASE("widths count terminal columns", "[tabwriter]") {
  CHECK(DisplayWidth("abc") == 3);
  CHECK(DisplayWidth("…") == 1);
  CHECK(DisplayWidth("日本") == 4);
  CHECK(DisplayWidth("e\u0301") == 1);
  CHECK(Format(0, 1, 1, ' ', 0, "日本\tx\nab\ty\n") == "日本 x\nab   y\n");
}

TEST_CASE("escaped text passes through, unfinished text waits for Flush", "[tabwriter]") {
  CHECK(Format(0, 1, 1, ' ', 0, "a\xff\tb\xff\tc\nlonger\td\n") ==
        "a\xff\tb\xff     c\nlonger d\n");  // the escaped "\tb" is one column wide
  TabWriter w(0, 1, 1, ' ', 0);
  w.Write("a\tb\nxx\t");
  CHECK(w.output().empty());
  w.Write("y");
  w.Flush();
  CHECK(w.output() == "a  b\nxx y");
}

}  // namespace
}  // namespace berth::cli::output
