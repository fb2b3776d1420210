#include "cli/archive/tar_reader.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "common/status.h"

namespace berth::cli::archive {
namespace {

std::string Field(const std::string& h, size_t off, size_t len) {
  std::string s = h.substr(off, len);
  size_t nul = s.find('\0');
  return nul == std::string::npos ? s : s.substr(0, nul);
}

absl::StatusOr<int64_t> Number(const std::string& h, size_t off, size_t len) {
  auto first = static_cast<unsigned char>(h[off]);
  if (first & 0x80) {  // GNU base-256
    if (first & 0x40) return InvalidArgumentf("tar: negative number in header");
    int64_t v = first & 0x3f;
    for (size_t i = 1; i < len; ++i) {
      if (v > (INT64_MAX >> 8)) return InvalidArgumentf("tar: number too large in header");
      v = (v << 8) | static_cast<unsigned char>(h[off + i]);
    }
    return v;
  }
  int64_t v = 0;
  bool digits = false;
  for (size_t i = 0; i < len; ++i) {
    char c = h[off + i];
    if (c == '\0' || (c == ' ' && digits)) break;
    if (c == ' ') continue;
    if (c < '0' || c > '7') return InvalidArgumentf("tar: invalid octal number in header");
    if (v > (INT64_MAX >> 3)) return InvalidArgumentf("tar: number too large in header");
    v = v * 8 + (c - '0');
    digits = true;
  }
  return v;
}

bool ChecksumOk(const std::string& h) {
  absl::StatusOr<int64_t> want = Number(h, 148, 8);
  if (!want.ok()) return false;
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (size_t i = 0; i < kTarBlock; ++i) {
    bool in_field = i >= 148 && i < 156;
    unsigned_sum += in_field ? ' ' : static_cast<unsigned char>(h[i]);
    signed_sum += in_field ? ' ' : static_cast<signed char>(h[i]);
  }
  return *want == unsigned_sum || *want == signed_sum;
}

absl::StatusOr<std::map<std::string, std::string>> ParsePax(const std::string& data) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t space = data.find(' ', pos);
    if (space == std::string::npos) return InvalidArgumentf("tar: invalid PAX record");
    size_t len = 0;
    for (size_t i = pos; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9') return InvalidArgumentf("tar: invalid PAX record");
      len = len * 10 + static_cast<size_t>(data[i] - '0');
    }
    if (len <= space - pos + 1 || pos + len > data.size() || data[pos + len - 1] != '\n') {
      return InvalidArgumentf("tar: invalid PAX record");
    }
    std::string record = data.substr(space + 1, pos + len - 1 - space - 1);
    size_t eq = record.find('=');
    if (eq == std::string::npos) return InvalidArgumentf("tar: invalid PAX record");
    out[record.substr(0, eq)] = record.substr(eq + 1);
    pos += len;
  }
  return out;
}

absl::Status ApplyPaxTime(const std::string& v, int64_t& sec, uint32_t& nsec) {
  size_t dot = v.find('.');
  std::string whole = v.substr(0, dot);
  if (whole.empty()) return InvalidArgumentf("tar: invalid PAX time {:?}", v);
  char* end = nullptr;
  sec = std::strtoll(whole.c_str(), &end, 10);
  if (*end != '\0') return InvalidArgumentf("tar: invalid PAX time {:?}", v);
  nsec = 0;
  if (dot != std::string::npos) {
    std::string frac = v.substr(dot + 1, 9);
    frac.resize(9, '0');
    nsec = static_cast<uint32_t>(std::strtoul(frac.c_str(), nullptr, 10));
    if (sec < 0 && nsec != 0) {  // "-1.5" is 1.5 s before the epoch
      sec -= 1;
      nsec = 1000000000 - nsec;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PaxNumber(const std::string& v) {
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0)
    return InvalidArgumentf("tar: invalid PAX number {:?}", v);
  return static_cast<int64_t>(n);
}

}  // namespace

absl::StatusOr<std::string> TarReader::ReadExact(size_t n) {
  std::string out;
  while (out.size() < n) {
    if (pos_ == buffer_.size()) {
      if (eof_) return InvalidArgumentf("tar: unexpected end of archive");
      BERTH_ASSIGN_OR_RETURN(buffer_, source_());
      pos_ = 0;
      if (buffer_.empty()) eof_ = true;
      continue;
    }
    size_t take = std::min(n - out.size(), buffer_.size() - pos_);
    out.append(buffer_, pos_, take);
    pos_ += take;
  }
  consumed_ += static_cast<int64_t>(n);
  return out;
}

absl::Status TarReader::Skip(int64_t n) {
  while (n > 0) {
    BERTH_ASSIGN_OR_RETURN(std::string piece,
                           ReadExact(static_cast<size_t>(std::min<int64_t>(n, 64 * 1024))));
    n -= static_cast<int64_t>(piece.size());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TarReader::ReadBlockPadded(int64_t size) {
  if (size < 0 || size > (1 << 20)) return InvalidArgumentf("tar: extended header too large");
  BERTH_ASSIGN_OR_RETURN(std::string data, ReadExact(static_cast<size_t>(size)));
  BERTH_RETURN_IF_ERROR(Skip((kTarBlock - size % kTarBlock) % kTarBlock));
  return data;
}

absl::StatusOr<std::optional<TarEntry>> TarReader::Next() {
  if (done_) return std::nullopt;
  BERTH_RETURN_IF_ERROR(Skip(remaining_ + padding_));
  remaining_ = padding_ = 0;
  std::map<std::string, std::string> pax;
  std::optional<std::string> long_name, long_link;
  for (;;) {
    // A clean end: EOF, or a zero block (the second one is not required).
    if (pos_ == buffer_.size() && !eof_) {
      BERTH_ASSIGN_OR_RETURN(buffer_, source_());
      pos_ = 0;
      if (buffer_.empty()) eof_ = true;
    }
    if (eof_ && pos_ == buffer_.size() && pax.empty() && !long_name && !long_link) {
      done_ = true;
      return std::nullopt;
    }
    BERTH_ASSIGN_OR_RETURN(std::string h, ReadExact(kTarBlock));
    if (h == std::string(kTarBlock, '\0')) {
      // The end marker is two zero blocks; Go reads both, and so do we
      // (an archive cut after the first still ends cleanly).
      done_ = true;
      if (pos_ == buffer_.size() && !eof_) {
        BERTH_ASSIGN_OR_RETURN(buffer_, source_());
        pos_ = 0;
        if (buffer_.empty()) eof_ = true;
      }
      if (!(eof_ && pos_ == buffer_.size())) {
        BERTH_ASSIGN_OR_RETURN(std::string second, ReadExact(kTarBlock));
        if (second != std::string(kTarBlock, '\0')) {
          return InvalidArgumentf("tar: a zero block followed by a header");
        }
      }
      return std::nullopt;
    }
    if (!ChecksumOk(h)) return InvalidArgumentf("tar: invalid header checksum");
    BERTH_ASSIGN_OR_RETURN(int64_t size, Number(h, 124, 12));
    char type = h[156];
    if (type == 'x' || type == 'g') {
      BERTH_ASSIGN_OR_RETURN(std::string data, ReadBlockPadded(size));
      if (type == 'g') continue;
      BERTH_ASSIGN_OR_RETURN(auto records, ParsePax(data));
      for (auto& [k, v] : records) pax[k] = v;
      continue;
    }
    if (type == 'L' || type == 'K') {
      BERTH_ASSIGN_OR_RETURN(std::string data, ReadBlockPadded(size));
      data = data.substr(0, data.find('\0'));
      (type == 'L' ? long_name : long_link) = data;
      continue;
    }
    TarEntry e;
    e.name = Field(h, 0, 100);
    std::string magic = h.substr(257, 6);
    if (magic == std::string("ustar\0", 6)) {
      std::string prefix = Field(h, 345, 155);
      if (!prefix.empty()) e.name = prefix + "/" + e.name;
    }
    BERTH_ASSIGN_OR_RETURN(int64_t mode, Number(h, 100, 8));
    BERTH_ASSIGN_OR_RETURN(int64_t uid, Number(h, 108, 8));
    BERTH_ASSIGN_OR_RETURN(int64_t gid, Number(h, 116, 8));
    BERTH_ASSIGN_OR_RETURN(e.mtime, Number(h, 136, 12));
    BERTH_ASSIGN_OR_RETURN(int64_t major, Number(h, 329, 8));
    BERTH_ASSIGN_OR_RETURN(int64_t minor, Number(h, 337, 8));
    e.mode = static_cast<uint32_t>(mode & 07777);
    e.uid = static_cast<uint32_t>(uid);
    e.gid = static_cast<uint32_t>(gid);
    e.dev_major = static_cast<uint32_t>(major);
    e.dev_minor = static_cast<uint32_t>(minor);
    e.link_name = Field(h, 157, 100);
    e.uname = Field(h, 265, 32);
    e.gname = Field(h, 297, 32);
    e.size = size;
    if (long_name) e.name = *long_name;
    if (long_link) e.link_name = *long_link;
    for (const auto& [k, v] : pax) {
      if (k == "path")
        e.name = v;
      else if (k == "linkpath")
        e.link_name = v;
      else if (k == "uname")
        e.uname = v;
      else if (k == "gname")
        e.gname = v;
      else if (k == "mtime")
        BERTH_RETURN_IF_ERROR(ApplyPaxTime(v, e.mtime, e.mtime_nsec));
      else if (k == "size") {
        BERTH_ASSIGN_OR_RETURN(e.size, PaxNumber(v));
      } else if (k == "uid") {
        BERTH_ASSIGN_OR_RETURN(int64_t n, PaxNumber(v));
        e.uid = static_cast<uint32_t>(n);
      } else if (k == "gid") {
        BERTH_ASSIGN_OR_RETURN(int64_t n, PaxNumber(v));
        e.gid = static_cast<uint32_t>(n);
      }
    }
    switch (type) {
      case '\0':
      case '0':
      case '7':
        e.type = TarType::kRegular;
        break;
      case '1':
        e.type = TarType::kHardlink;
        break;
      case '2':
        e.type = TarType::kSymlink;
        break;
      case '3':
        e.type = TarType::kChar;
        break;
      case '4':
        e.type = TarType::kBlock;
        break;
      case '5':
        e.type = TarType::kDirectory;
        break;
      case '6':
        e.type = TarType::kFifo;
        break;
      default:
        return InvalidArgumentf("tar: unsupported entry type {:?} for {}", type, e.name);
    }
    // An old-style directory: a regular entry whose name ends in '/'.
    if (e.type == TarType::kRegular && e.name.ends_with("/")) e.type = TarType::kDirectory;
    // Only regular files have data (as Go's reader, whatever the size says).
    int64_t data = e.type == TarType::kRegular ? e.size : 0;
    if (e.type != TarType::kRegular) e.size = 0;
    remaining_ = data;
    padding_ = (kTarBlock - data % kTarBlock) % kTarBlock;
    return e;
  }
}

absl::StatusOr<std::string> TarReader::ReadData(size_t max) {
  if (remaining_ == 0) return std::string();
  BERTH_ASSIGN_OR_RETURN(std::string piece,
                         ReadExact(static_cast<size_t>(std::min<int64_t>(remaining_, max))));
  remaining_ -= static_cast<int64_t>(piece.size());
  return piece;
}

}  // namespace berth::cli::archive
