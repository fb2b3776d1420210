#include "cli/archive/tar_writer.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "cli/archive/copy_paths.h"
#include "common/status.h"
#include "fmt/format.h"

namespace berth::cli::archive {
namespace {

bool IsAscii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80 && c != '\0'; });
}

// Whether `value` fits an octal field of `width` bytes (one for the NUL).
bool FitsOctal(int64_t value, size_t width) {
  if (value < 0) return false;
  int64_t limit = 1;
  for (size_t i = 0; i + 1 < width; ++i) limit *= 8;
  return value < limit;
}

void PutOctal(char* field, size_t width, int64_t value) {
  std::string digits = fmt::format("{:0{}o}", FitsOctal(value, width) ? value : 0, width - 1);
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
}

// The ASCII characters of `s`, cut to the field (a PAX record holds the
// whole string), as Go's writer fills the ustar fields.
void PutString(char* field, size_t width, const std::string& s) {
  std::string ascii;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x80 && c != '\0') ascii += c;
  }
  std::memcpy(field, ascii.data(), std::min(width, ascii.size()));
}

// "<len> key=value\n", where len counts the whole record.
std::string PaxRecord(const std::string& key, const std::string& value) {
  size_t base = key.size() + value.size() + 3;
  size_t len = base + std::to_string(base).size();
  if (std::to_string(len).size() + base != len) ++len;
  return fmt::format("{} {}={}\n", len, key, value);
}

std::string PaxTime(int64_t sec, uint32_t nsec) {
  if (nsec == 0) return std::to_string(sec);
  std::string frac = fmt::format("{:09d}", nsec);
  frac.erase(frac.find_last_not_of('0') + 1);
  return fmt::format("{}.{}", sec, frac);
}

std::string UstarBlock(const TarEntry& e, const std::string& name, char type, int64_t size) {
  std::string block(kTarBlock, '\0');
  char* h = block.data();
  PutString(h, 100, name);
  PutOctal(h + 100, 8, e.mode & 07777);
  PutOctal(h + 108, 8, e.uid);
  PutOctal(h + 116, 8, e.gid);
  PutOctal(h + 124, 12, size);
  PutOctal(h + 136, 12, e.mtime);
  h[156] = type;
  PutString(h + 157, 100, e.link_name);
  std::memcpy(h + 257,
              "ustar\0"
              "00",
              8);
  PutString(h + 265, 32, e.uname);
  PutString(h + 297, 32, e.gname);
  if (type == static_cast<char>(TarType::kChar) || type == static_cast<char>(TarType::kBlock)) {
    PutOctal(h + 329, 8, e.dev_major);
    PutOctal(h + 337, 8, e.dev_minor);
  }
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  std::string chk = fmt::format("{:06o}", sum);
  std::memcpy(h + 148, chk.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  return block;
}

}  // namespace

absl::StatusOr<std::string> EncodeTarHeader(const TarEntry& e) {
  if (e.name.empty()) return InvalidArgumentf("tar entry without a name");
  std::map<std::string, std::string> pax;  // sorted, as Go writes them
  if (e.name.size() > 100 || !IsAscii(e.name)) pax["path"] = e.name;
  if (e.link_name.size() > 100 || !IsAscii(e.link_name)) pax["linkpath"] = e.link_name;
  if (!FitsOctal(e.uid, 8)) pax["uid"] = std::to_string(e.uid);
  if (!FitsOctal(e.gid, 8)) pax["gid"] = std::to_string(e.gid);
  if (!FitsOctal(e.size, 12)) pax["size"] = std::to_string(e.size);
  if (!FitsOctal(e.mtime, 12) || e.mtime_nsec != 0) pax["mtime"] = PaxTime(e.mtime, e.mtime_nsec);
  if (e.uname.size() > 32 || !IsAscii(e.uname)) pax["uname"] = e.uname;
  if (e.gname.size() > 32 || !IsAscii(e.gname)) pax["gname"] = e.gname;
  std::string out;
  if (!pax.empty()) {
    std::string records;
    for (const auto& [k, v] : pax) records += PaxRecord(k, v);
    auto [dir, base] = SplitPathDirEntry(e.name);
    std::string pax_name = (dir == "." ? "" : dir + "/") + "PaxHeaders.0/" + base;
    if (pax_name.size() > 100) pax_name.resize(100);
    TarEntry x;
    x.mtime = FitsOctal(e.mtime, 12) ? e.mtime : 0;
    out += UstarBlock(x, pax_name, 'x', static_cast<int64_t>(records.size()));
    out += records;
    out += TarPadding(static_cast<int64_t>(records.size()));
  }
  int64_t size = e.type == TarType::kRegular ? e.size : 0;
  out += UstarBlock(e, e.name, static_cast<char>(e.type), size);
  return out;
}

std::string TarPadding(int64_t size) {
  size_t rest = static_cast<size_t>(size % static_cast<int64_t>(kTarBlock));
  return rest == 0 ? std::string() : std::string(kTarBlock - rest, '\0');
}

std::string TarTrailer() { return std::string(2 * kTarBlock, '\0'); }

}  // namespace berth::cli::archive
