// The pure parts of berthd's images: progress bars, changes, filters,
// X-Registry-Auth, chain IDs, familiar names.
#include <catch2/catch.hpp>

#include "engined/images/changes.h"
#include "engined/images/content_io.h"
#include "engined/images/filters.h"
#include "engined/images/image_service.h"
#include "engined/images/json_message.h"
#include "engined/images/registry_auth.h"

namespace berth::engined::images {
namespace {

TEST_CASE("HumanSize and ProgressBar match docker's", "[images]") {
  CHECK(HumanSize(512) == "512B");
  CHECK(HumanSize(1234567) == "1.235MB");
  CHECK(ProgressBar(0, 0) == "");
  std::string half = ProgressBar(500, 1000);
  CHECK(half == "[" + std::string(25, '=') + ">" + std::string(25, ' ') + "]     500B/1kB");
  CHECK(ProgressBar(2000, 1000).ends_with("     2kB"));
  nlohmann::json m = ProgressMessage("Downloading", "abc", 1, 2);
  CHECK(m["progressDetail"]["current"] == 1);
  CHECK(ErrorMessage(absl::NotFoundError("x"))["errorDetail"]["message"] == "x");
  CHECK(ShortId("sha256:0123456789abcdef") == "0123456789ab");
}

TEST_CASE("A layer's status carries an empty progressDetail, a pull's status none", "[images]") {
  // The empty object is what makes the docker CLI give the layer a line of
  // its own and redraw it on a terminal (moby's progress.Update).
  CHECK(LayerMessage("Pull complete", "abc").dump() ==
        R"({"id":"abc","progressDetail":{},"status":"Pull complete"})");
  CHECK(StatusMessage("Digest: sha256:x").dump() == R"({"status":"Digest: sha256:x"})");
}

TEST_CASE("ApplyChanges sets docker Config fields", "[images]") {
  nlohmann::json c = {{"Env", {"PATH=/bin"}}};
  REQUIRE(
      ApplyChanges({"CMD [\"sh\",\"-c\",\"true\"]", "ENTRYPOINT echo hi", "ENV A=1 B=\"two words\"",
                    "ENV PATH /usr/bin", "EXPOSE 80 53/udp", "LABEL k=v", "USER nobody",
                    "WORKDIR /w", "VOLUME [\"/data\"]", "STOPSIGNAL SIGINT"},
                   c)
          .ok());
  CHECK(c["Cmd"] == nlohmann::json({"sh", "-c", "true"}));
  CHECK(c["Entrypoint"] == nlohmann::json({"/bin/sh", "-c", "echo hi"}));
  CHECK(c["Env"] == nlohmann::json({"PATH=/usr/bin", "A=1", "B=two words"}));
  CHECK(c["ExposedPorts"].contains("80/tcp"));
  CHECK(c["ExposedPorts"].contains("53/udp"));
  CHECK(c["Labels"]["k"] == "v");
  CHECK(c["User"] == "nobody");
  CHECK(c["WorkingDir"] == "/w");
  CHECK(c["Volumes"].contains("/data"));
  CHECK(c["StopSignal"] == "SIGINT");
  absl::Status bad = ApplyChanges({"RUN rm -rf /"}, c);
  CHECK(absl::IsInvalidArgument(bad));
  CHECK(std::string(bad.message()).find("RUN rm -rf /") != std::string::npos);
  CHECK(absl::IsInvalidArgument(ApplyChanges({"EXPOSE 99999"}, c)));
}

TEST_CASE("ParseFilters takes both forms and refuses unknown keys", "[images]") {
  absl::StatusOr<Filters> f =
      ParseFilters(R"({"dangling":{"true":true},"label":["a=b"]})", {"dangling", "label"});
  REQUIRE(f.ok());
  CHECK((*f)["dangling"] == std::vector<std::string>{"true"});
  CHECK((*f)["label"] == std::vector<std::string>{"a=b"});
  absl::StatusOr<Filters> bad = ParseFilters(R"({"nope":["x"]})", {"dangling"});
  CHECK(bad.status().message() == "invalid filter 'nope'");
  CHECK(MatchLabels({"a", "b=2"}, {{"a", "1"}, {"b", "2"}}));
  CHECK_FALSE(MatchLabels({"b=3"}, {{"b", "2"}}));
  CHECK(MatchReference({"busy*"}, "busybox:latest"));
  CHECK(MatchReference({"busybox:1*"}, "busybox:1.36"));
  CHECK_FALSE(MatchReference({"alpine"}, "busybox:latest"));
  CHECK(MatchReference({"localhost:5000/x"}, "localhost:5000/x:1"));
}

TEST_CASE("DecodeRegistryAuth reads docker's base64url JSON", "[images]") {
  // {"username":"u","password":"p?>","serveraddress":"localhost:5000"}, url alphabet, no padding
  std::string json = R"({"username":"u","password":"p?>","serveraddress":"localhost:5000"})";
  static constexpr char kAlpha[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string enc;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : json) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) enc += kAlpha[(acc >> (bits -= 6)) & 63];
  }
  if (bits > 0) enc += kAlpha[(acc << (6 - bits)) & 63];
  absl::StatusOr<std::optional<ctrpb::RegistryAuth>> auth = DecodeRegistryAuth(enc);
  REQUIRE(auth.ok());
  REQUIRE(auth->has_value());
  CHECK((*auth)->username() == "u");
  CHECK((*auth)->password() == "p?>");
  CHECK((*auth)->server_address() == "localhost:5000");
  CHECK_FALSE(DecodeRegistryAuth("e30")->has_value());  // "{}"
  CHECK_FALSE(DecodeRegistryAuth("")->has_value());
  CHECK_FALSE(DecodeRegistryAuth("!!").ok());
}

TEST_CASE("ChainId, CreatedSeconds and FamiliarName", "[images]") {
  std::string a = Sha256Digest("a"), b = Sha256Digest("b");
  CHECK(ChainId({a}) == a);
  CHECK(ChainId({a, b}) == Sha256Digest(a + " " + b));
  CHECK(CreatedSeconds({{"created", "1970-01-02T00:00:00Z"}}) == 86400);
  CHECK(FamiliarName("docker.io/library/busybox:latest") == "busybox:latest");
  CHECK(FamiliarName("localhost:5000/x:1") == "localhost:5000/x:1");
  CHECK(FamiliarName(std::string(kDanglingPrefix) + a) == "");
  bool gzip = true;
  CHECK(*UncompressedDigest("plain", &gzip) == Sha256Digest("plain"));
  CHECK_FALSE(gzip);
}

}  // namespace
}  // namespace berth::engined::images
