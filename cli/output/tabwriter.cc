#include "cli/output/tabwriter.h"

#include <algorithm>
#include <cstdint>

namespace berth::cli::output {
namespace {

int RuneWidth(uint32_t r) {
  if (r == 0) return 0;
  if (r < 0x20 || (r >= 0x7f && r < 0xa0)) return 0;
  if ((r >= 0x300 && r <= 0x36f) || (r >= 0x200b && r <= 0x200f) || (r >= 0xfe00 && r <= 0xfe0f)) {
    return 0;  // combining marks, zero-width spaces, variation selectors
  }
  struct Range {
    uint32_t first, last;
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
      {0x23f0, 0x23f0},   {0x23f3, 0x23f3},   {0x25fd, 0x25fe},   {0x2614, 0x2615},
      {0x2648, 0x2653},   {0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
      {0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},   {0x26ce, 0x26ce},
      {0x26d4, 0x26d4},   {0x26ea, 0x26ea},   {0x26f2, 0x26f3},   {0x26f5, 0x26f5},
      {0x26fa, 0x26fa},   {0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},
      {0x2728, 0x2728},   {0x274c, 0x274c},   {0x274e, 0x274e},   {0x2753, 0x2755},
      {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27b0, 0x27b0},   {0x27bf, 0x27bf},
      {0x2b1b, 0x2b1c},   {0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x303e},
      {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
      {0xa960, 0xa97f},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe10, 0xfe19},
      {0xfe30, 0xfe6f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x16fe0, 0x16fe4},
      {0x17000, 0x18aff}, {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
      {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f},
      {0x1f680, 0x1f6ff}, {0x1f7e0, 0x1f7eb}, {0x1f90c, 0x1f9ff}, {0x1fa70, 0x1faff},
      {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
  };
  for (const Range& range : kWide) {
    if (r >= range.first && r <= range.last) return 2;
  }
  return 1;
}

}  // namespace

int DisplayWidth(std::string_view text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 1;
    bool valid = c < 0x80 || (len > 1 && c <= 0xf4 && i + len <= text.size());
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    uint32_t r = c;
    if (!valid) {
      len = 1;
      r = 0xfffd;  // a stray byte shows as one replacement character
    } else if (len > 1) {
      r = c & (0x7fu >> len);
      for (size_t k = 1; k < len; ++k)
        r = (r << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3fu);
    }
    width += RuneWidth(r);
    i += len;
  }
  return width;
}

TabWriter::TabWriter(int min_width, int tab_width, int padding, char pad_char, unsigned flags)
    : min_width_(min_width),
      tab_width_(tab_width),
      padding_(padding),
      pad_char_(pad_char),
      flags_(pad_char == '\t' ? flags & ~kAlignRight : flags) {  // tab padding aligns left
  Reset();
}

void TabWriter::Reset() {
  buf_.clear();
  pos_ = 0;
  cell_ = {};
  end_char_ = 0;
  lines_.clear();
  widths_.clear();
  lines_.emplace_back();
}

void TabWriter::Append(std::string_view text) {
  buf_ += text;
  cell_.size += static_cast<int>(text.size());
}

void TabWriter::UpdateWidth() {
  cell_.width += DisplayWidth(std::string_view(buf_).substr(pos_));
  pos_ = buf_.size();
}

void TabWriter::StartEscape(char ch) {
  if (ch == kEscape) {
    end_char_ = kEscape;
  } else if (ch == '<') {
    end_char_ = '>';
  } else if (ch == '&') {
    end_char_ = ';';
  }
}

// An escaped segment counts its text, minus the Escape bytes; an HTML tag
// counts 0 and an entity 1.
void TabWriter::EndEscape() {
  if (end_char_ == kEscape) {
    UpdateWidth();
    if ((flags_ & kStripEscape) == 0) cell_.width -= 2;
  } else if (end_char_ == ';') {
    ++cell_.width;
  }
  pos_ = buf_.size();
  end_char_ = 0;
}

size_t TabWriter::TerminateCell(bool htab) {
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = {};
  return lines_.back().size();
}

void TabWriter::WritePadding(int text_width, int cell_width, bool use_tabs) {
  if (pad_char_ == '\t' || use_tabs) {
    if (tab_width_ == 0) return;  // tabs have no width: no padding possible
    cell_width = (cell_width + tab_width_ - 1) / tab_width_ * tab_width_;
    int n = cell_width - text_width;
    out_.append(static_cast<size_t>((n + tab_width_ - 1) / tab_width_), '\t');
    return;
  }
  if (cell_width > text_width) out_.append(static_cast<size_t>(cell_width - text_width), pad_char_);
}

size_t TabWriter::WriteLines(size_t pos, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; ++i) {
    const std::vector<Cell>& line = lines_[i];
    bool use_tabs = (flags_ & kTabIndent) != 0;  // tabs for leading empty cells
    for (size_t j = 0; j < line.size(); ++j) {
      const Cell& c = line[j];
      if (j > 0 && (flags_ & kDebug) != 0) out_ += '|';
      bool has_width = j < widths_.size();
      if (c.size == 0) {
        if (has_width) WritePadding(c.width, widths_[j], use_tabs);
        continue;
      }
      use_tabs = false;
      std::string_view text = std::string_view(buf_).substr(pos, static_cast<size_t>(c.size));
      if ((flags_ & kAlignRight) == 0) {
        out_ += text;
        if (has_width) WritePadding(c.width, widths_[j], false);
      } else {
        if (has_width) WritePadding(c.width, widths_[j], false);
        out_ += text;
      }
      pos += static_cast<size_t>(c.size);
    }
    if (i + 1 == lines_.size()) {
      // The last buffered line has no newline yet: write its open cell.
      out_ += std::string_view(buf_).substr(pos, static_cast<size_t>(cell_.size));
      pos += static_cast<size_t>(cell_.size);
    } else {
      out_ += '\n';
    }
  }
  return pos;
}

// Formats lines [line0, line1) given the widths of the columns to the left:
// each run of lines that have a cell in the next column is a block, padded
// to the block's widest cell, and formatted recursively.
size_t TabWriter::Format(size_t pos, size_t line0, size_t line1) {
  size_t column = widths_.size();
  for (size_t current = line0; current < line1; ++current) {
    // A line's last cell is not tab-terminated and belongs to no column.
    if (column + 1 >= lines_[current].size()) continue;
    pos = WriteLines(pos, line0, current);
    line0 = current;
    int width = min_width_;
    bool discardable = true;  // all cells empty and soft-tab terminated
    for (; current < line1; ++current) {
      const std::vector<Cell>& line = lines_[current];
      if (column + 1 >= line.size()) break;
      const Cell& c = line[column];
      width = std::max(width, c.width + padding_);
      if (c.width > 0 || c.htab) discardable = false;
    }
    if (discardable && (flags_ & kDiscardEmptyColumns) != 0) width = 0;
    widths_.push_back(width);
    pos = Format(pos, line0, current);
    widths_.pop_back();
    line0 = current;
  }
  return WriteLines(pos, line0, line1);
}

void TabWriter::FlushBuffered() {
  if (cell_.size > 0) {
    if (end_char_ != 0) EndEscape();  // an unterminated escape ends here
    TerminateCell(false);
  }
  Format(0, 0, lines_.size());
  Reset();
}

void TabWriter::Flush() { FlushBuffered(); }

void TabWriter::Write(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (end_char_ == 0) {
      switch (ch) {
        case '\t':
        case '\v':
        case '\n':
        case '\f': {
          Append(text.substr(n, i - n));
          UpdateWidth();
          n = i + 1;
          size_t ncells = TerminateCell(ch == '\t');
          if (ch == '\n' || ch == '\f') {
            lines_.emplace_back();
            // A line of one cell cannot affect later lines: flush early.
            if (ch == '\f' || ncells == 1) {
              FlushBuffered();
              if (ch == '\f' && (flags_ & kDebug) != 0) out_ += "---\n";
            }
          }
          break;
        }
        case kEscape:
          Append(text.substr(n, i - n));
          UpdateWidth();
          n = i;
          if ((flags_ & kStripEscape) != 0) ++n;
          StartEscape(kEscape);
          break;
        case '<':
        case '&':
          if ((flags_ & kFilterHtml) != 0) {
            Append(text.substr(n, i - n));
            UpdateWidth();
            n = i;
            StartEscape(ch);
          }
          break;
        default:
          break;
      }
    } else if (ch == end_char_) {
      size_t j = i + 1;
      if (ch == kEscape && (flags_ & kStripEscape) != 0) j = i;
      Append(text.substr(n, j - n));
      n = i + 1;
      EndEscape();
    }
  }
  Append(text.substr(n));
}

}  // namespace berth::cli::output
