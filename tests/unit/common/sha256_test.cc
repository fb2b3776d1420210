#include "common/sha256.h"

#include <openssl/sha.h>

#include <catch2/catch.hpp>
#include <string>

namespace berth {
namespace {

TEST_CASE("sha256 of the FIPS 180-4 test messages", "[sha256]") {
  CHECK(ToHex(Sha256Of("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(Sha256Of("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(Sha256Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(ToHex(Sha256Of(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 agrees with OpenSSL for every length and split", "[sha256]") {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  for (size_t len = 0; len <= data.size(); ++len) {
    std::string_view part(data.data(), len);
    Sha256Digest want;
    ::SHA256(reinterpret_cast<const unsigned char*>(part.data()), part.size(), want.data());
    INFO("length " << len);
    REQUIRE(Sha256Of(part) == want);
    // The same bytes fed in two pieces, split anywhere.
    for (size_t cut : {size_t{0}, len / 3, len / 2, len}) {
      Sha256 h;
      h.Update(part.substr(0, cut));
      h.Update(part.substr(cut));
      REQUIRE(h.Finish() == want);
    }
  }
}

}  // namespace
}  // namespace berth
