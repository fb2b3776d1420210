// A port of Go's text/tabwriter as docker vendors it
// (cli/command/formatter/tabwriter): elastic tabstops. Tab-terminated cells
// in contiguous lines form a column block padded to its widest cell; the
// text after a line's last tab is not part of a column. Widths count
// terminal columns (East Asian wide runes as 2), as docker's go-runewidth.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::cli::output {

class TabWriter {
 public:
  // Go's flags.
  static constexpr unsigned kFilterHtml = 1;  // tags have width 0, entities width 1
  static constexpr unsigned kStripEscape = 2;
  static constexpr unsigned kAlignRight = 4;
  static constexpr unsigned kDiscardEmptyColumns = 8;
  static constexpr unsigned kTabIndent = 16;
  static constexpr unsigned kDebug = 32;  // '|' between columns
  // Text between two kEscape bytes is passed through, tabs and all.
  static constexpr char kEscape = '\xff';

  // docker's tables: TabWriter(10, 1, 3, ' ', 0).
  TabWriter(int min_width, int tab_width, int padding, char pad_char, unsigned flags);

  void Write(std::string_view text);
  // Formats what is buffered (call after the last Write).
  void Flush();
  // What has been formatted so far.
  const std::string& output() const { return out_; }

 private:
  struct Cell {
    int size = 0;   // bytes
    int width = 0;  // terminal columns
    bool htab = false;
  };

  void Reset();
  void Append(std::string_view text);
  void UpdateWidth();
  void StartEscape(char ch);
  void EndEscape();
  size_t TerminateCell(bool htab);
  void FlushBuffered();
  void WritePadding(int text_width, int cell_width, bool use_tabs);
  size_t WriteLines(size_t pos, size_t line0, size_t line1);
  size_t Format(size_t pos, size_t line0, size_t line1);

  int min_width_;
  int tab_width_;
  int padding_;
  char pad_char_;
  unsigned flags_;

  std::string buf_;  // text of the buffered cells, without tabs and newlines
  size_t pos_ = 0;   // buf_ position up to which cell_.width is computed
  Cell cell_;        // the incomplete cell
  char end_char_ = 0;
  std::vector<std::vector<Cell>> lines_;
  std::vector<int> widths_;  // column widths while formatting
  std::string out_;
};

// Terminal columns of UTF-8 text: wide East Asian runes and emoji count 2,
// combining marks and controls 0, everything else 1.
int DisplayWidth(std::string_view text);

}  // namespace berth::cli::output
