#include "engined/daemon/names.h"

#include <sys/random.h>

#include <array>
#include <cctype>

#include "common/status.h"

namespace berth::engined {

namespace {

// Our own lists (docker's generator uses notable scientists; so do we, a
// different, shorter selection).
constexpr std::array kAdjectives = {
    "able",   "bold",   "brave", "calm",  "clever", "cool",    "crisp",  "daring",
    "eager",  "fair",   "fast",  "fond",  "gentle", "glad",    "happy",  "keen",
    "kind",   "lively", "lucid", "merry", "modest", "nimble",  "noble",  "patient",
    "proud",  "quick",  "quiet", "ready", "sharp",  "steady",  "swift",  "tender",
    "upbeat", "vivid",  "warm",  "wise",  "witty",  "zealous", "bright", "jolly",
};
constexpr std::array kSurnames = {
    "agnesi",   "archimedes", "babbage",  "bohr",    "boole",  "curie",   "darwin",   "dijkstra",
    "einstein", "euclid",     "euler",    "faraday", "fermat", "feynman", "gauss",    "goodall",
    "hamilton", "hopper",     "hypatia",  "kepler",  "knuth",  "lamarr",  "lovelace", "maxwell",
    "meitner",  "mendel",     "newton",   "noether", "pascal", "pasteur", "planck",   "ritchie",
    "shannon",  "tesla",      "thompson", "turing",  "volta",  "wiles",   "wozniak",  "yalow",
};

uint64_t RandomU64() {
  uint64_t v = 0;
  while (getrandom(&v, sizeof(v), 0) != static_cast<ssize_t>(sizeof(v))) {
  }
  return v;
}

bool NameChar(char c, bool first) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return !first && (c == '_' || c == '.' || c == '-');
}

}  // namespace

absl::Status ValidateContainerName(const std::string& name) {
  std::string bare = !name.empty() && name[0] == '/' ? name.substr(1) : name;
  bool ok = bare.size() >= 2;
  for (size_t i = 0; ok && i < bare.size(); ++i) ok = NameChar(bare[i], i == 0);
  if (!ok) {
    return InvalidArgumentf(
        "Invalid container name ({}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", bare);
  }
  return absl::OkStatus();
}

std::string GenerateContainerName(const std::function<bool(const std::string&)>& taken) {
  for (int attempt = 0;; ++attempt) {
    uint64_t r = RandomU64();
    std::string name = std::string(kAdjectives[r % kAdjectives.size()]) + "_" +
                       kSurnames[(r / kAdjectives.size()) % kSurnames.size()];
    if (attempt >= 3) name += std::to_string(r % 10);
    if (!taken(name)) return name;
  }
}

std::string NewObjectId() {
  static constexpr char kHex[] = "0123456789abcdef";
  for (;;) {
    std::string id;
    id.reserve(64);
    for (int i = 0; i < 8; ++i) {
      uint64_t r = RandomU64();
      for (int j = 0; j < 8; ++j) id += kHex[(r >> (j * 4)) & 0xf];
    }
    for (char c : id) {
      if (c >= 'a') return id;
    }
  }
}

}  // namespace berth::engined
