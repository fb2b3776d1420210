#include "shim/log/line_splitter.h"

#include <cstring>

namespace berth::shim::logs {

LineSplitter::LineSplitter(SplitStyle style, size_t max_len) : style_(style), max_len_(max_len) {}

void LineSplitter::Feed(std::string_view data, Emit emit) {
  while (!data.empty()) {
    const void* newline = std::memchr(data.data(), '\n', data.size());
    if (newline == nullptr) {
      FeedOpen(data, emit);
      return;
    }
    size_t n = static_cast<size_t>(static_cast<const char*>(newline) - data.data());
    std::string_view line = data.substr(0, n);
    data.remove_prefix(n + 1);
    if (pending_.empty()) {
      EndLine(line, emit);  // the common case: no copy
    } else {
      FeedOpen(line, emit);
      EndLine(pending_, emit);
      pending_.clear();
    }
  }
}

void LineSplitter::Finish(Emit emit) {
  std::string_view rest = pending_;
  while (MustCut(rest.size())) {
    EmitPartial(rest.substr(0, max_len_), emit);
    rest.remove_prefix(max_len_);
  }
  // Both docker and containerd write an open line at EOF as a partial record.
  if (!rest.empty()) EmitPartial(rest, emit);
  pending_.clear();
  continued_ = false;
}

bool LineSplitter::MustCut(size_t size) const {
  return style_ == SplitStyle::kDocker ? size >= max_len_ : size > max_len_;
}

bool LineSplitter::MustCutOpen(std::string_view data) const {
  size_t size = pending_.size() + data.size();
  if (style_ == SplitStyle::kDocker) return size >= max_len_;
  if (size <= max_len_) return false;
  if (size > max_len_ + 1) return true;
  // Exactly one byte over: it does not count if it is the '\r' of a "\r\n".
  char last = data.empty() ? pending_.back() : data.back();
  return last != '\r';
}

void LineSplitter::FeedOpen(std::string_view data, Emit emit) {
  while (MustCutOpen(data)) {
    if (pending_.size() >= max_len_) {
      EmitPartial(std::string_view(pending_).substr(0, max_len_), emit);
      pending_.erase(0, max_len_);
    } else if (pending_.empty()) {
      EmitPartial(data.substr(0, max_len_), emit);
      data.remove_prefix(max_len_);
    } else {
      size_t take = max_len_ - pending_.size();
      pending_.append(data.substr(0, take));
      data.remove_prefix(take);
      EmitPartial(pending_, emit);
      pending_.clear();
    }
  }
  pending_.append(data);
}

void LineSplitter::EndLine(std::string_view content, Emit emit) {
  if (style_ == SplitStyle::kContainerd && !content.empty() && content.back() == '\r') {
    content.remove_suffix(1);
  }
  while (MustCut(content.size())) {
    EmitPartial(content.substr(0, max_len_), emit);
    content.remove_prefix(max_len_);
  }
  emit(LineRecord{content, /*complete=*/true, continued_});
  continued_ = false;
}

void LineSplitter::EmitPartial(std::string_view content, Emit emit) {
  emit(LineRecord{content, /*complete=*/false, continued_});
  continued_ = true;
}

}  // namespace berth::shim::logs
