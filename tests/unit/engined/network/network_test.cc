// The predefined networks: persisted IDs, lookup, filters and JSON.
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "engined/network/network_filters.h"
#include "engined/network/network_json.h"
#include "engined/network/predefined_networks.h"
#include "tests/testutil/temp_dir.h"

namespace berth::engined::network {
namespace {

PredefinedNetworks Sample() {
  return PredefinedNetworks({{std::string(64, 'a'), "bridge", "bridge", "2024-01-01T00:00:00Z"},
                             {"ab" + std::string(62, '1'), "host", "host", "2024-01-01T00:00:00Z"},
                             {std::string(64, 'c'), "none", "null", "2024-01-01T00:00:00Z"}});
}

std::vector<std::string> Names(const NetworkFilters& filters) {
  std::vector<std::string> out;
  const PredefinedNetworks sample = Sample();
  for (const NetworkRecord& n : sample.List()) {
    if (MatchesNetworkFilters(n, filters)) out.push_back(n.name);
  }
  return out;
}

TEST_CASE("predefined networks: made once, the same when opened again",
          "[unit][engined][network]") {
  testing::TempDir dir;
  absl::StatusOr<PredefinedNetworks> first = PredefinedNetworks::Open(dir.path());
  REQUIRE(first.ok());
  REQUIRE(first->List().size() == 3);
  CHECK(first->List()[0].name == "bridge");
  CHECK(first->List()[1].driver == "host");
  CHECK(first->List()[2].driver == "null");
  CHECK(first->List()[0].id.size() == 64);
  CHECK(first->List()[0].id != first->List()[1].id);
  absl::StatusOr<PredefinedNetworks> again = PredefinedNetworks::Open(dir.path());
  REQUIRE(again.ok());
  for (size_t i = 0; i < 3; ++i) {
    CHECK(again->List()[i].id == first->List()[i].id);
    CHECK(again->List()[i].created == first->List()[i].created);
  }
  // A damaged file is made anew rather than failing berthd's start.
  REQUIRE(WriteFileAtomic(dir.Sub("network/predefined.json"), "{broken").ok());
  absl::StatusOr<PredefinedNetworks> remade = PredefinedNetworks::Open(dir.path());
  REQUIRE(remade.ok());
  CHECK(remade->List().size() == 3);
}

TEST_CASE("predefined networks: found by ID, name, or a unique ID prefix",
          "[unit][engined][network]") {
  PredefinedNetworks n = Sample();
  CHECK(n.Find("host").value().name == "host");
  CHECK(n.Find(std::string(64, 'c')).value().name == "none");
  CHECK(n.Find("ab1").value().name == "host");
  CHECK(n.Find("a").status().code() == absl::StatusCode::kInvalidArgument);  // two match
  absl::Status missing = n.Find("nope").status();
  CHECK(absl::IsNotFound(missing));
  CHECK(missing.message() == "network nope not found");
  CHECK(absl::IsNotFound(n.Find("").status()));
  CHECK(IsPredefinedNetwork("none"));
  CHECK_FALSE(IsPredefinedNetwork("mine"));
}

TEST_CASE("network filters: docker's keys and matching rules", "[unit][engined][network]") {
  CHECK(Names({}) == std::vector<std::string>{"bridge", "host", "none"});
  CHECK(Names({{"driver", {"null"}}}) == std::vector<std::string>{"none"});
  CHECK(Names({{"driver", {"nul"}}}).empty());  // exact
  CHECK(Names({{"name", {"o"}}}) == std::vector<std::string>{"host", "none"});
  CHECK(Names({{"name", {"^b"}}}) == std::vector<std::string>{"bridge"});
  CHECK(Names({{"id", {"ab1"}}}) == std::vector<std::string>{"host"});
  CHECK(Names({{"type", {"builtin"}}}).size() == 3);
  CHECK(Names({{"type", {"custom"}}}).empty());
  CHECK(Names({{"type", {"custom", "builtin"}}}).size() == 3);
  CHECK(Names({{"scope", {"swarm"}}}).empty());
  CHECK(Names({{"scope", {"local"}}}).size() == 3);
  CHECK(Names({{"label", {"a=b"}}}).empty());
  CHECK(Names({{"dangling", {"true"}}}).empty());
  CHECK(Names({{"dangling", {"false"}}}).size() == 3);
  CHECK(ValidateNetworkFilters({{"type", {"custom"}}}).ok());
  CHECK(ValidateNetworkFilters({{"type", {"other"}}}).message() == "invalid filter 'type=other'");
  CHECK(ValidateNetworkFilters({{"colour", {"red"}}}).message() == "invalid filter 'colour'");
  CHECK(ValidateNetworkFilters({{"dangling", {"maybe"}}}).message() ==
        "invalid filter 'dangling=maybe'");
}

TEST_CASE("network JSON: docker's inspect shape with the containers on it",
          "[unit][engined][network]") {
  NetworkRecord bridge = Sample().List()[0];
  nlohmann::json j = NetworkJson(bridge, {{std::string(64, 'f'), "web"}});
  CHECK(j["Name"] == "bridge");
  CHECK(j["Id"] == bridge.id);
  CHECK(j["Driver"] == "bridge");
  CHECK(j["Scope"] == "local");
  CHECK(j["IPAM"]["Driver"] == "default");
  CHECK(j["Containers"][std::string(64, 'f')]["Name"] == "web");
  CHECK(NetworkJson(bridge)["Containers"] == nlohmann::json::object());
  CHECK(NetworkJson(Sample().List()[1])["Options"] == nlohmann::json::object());
}

}  // namespace
}  // namespace berth::engined::network
