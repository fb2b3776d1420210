#include "common/signals.h"

#include <signal.h>

#include <catch2/catch.hpp>

namespace berth {
namespace {

TEST_CASE("signals by name, short name and number", "[signals]") {
  CHECK(*ParseSignal("KILL") == SIGKILL);
  CHECK(*ParseSignal("SIGTERM") == SIGTERM);
  CHECK(*ParseSignal("sigusr1") == SIGUSR1);
  CHECK(*ParseSignal("9") == 9);
  CHECK(*ParseSignal("SIGRTMIN+2") == SIGRTMIN + 2);
  CHECK(*ParseSignal("RTMAX-1") == SIGRTMAX - 1);
  CHECK_FALSE(ParseSignal("SIGBOGUS").ok());
  CHECK_FALSE(ParseSignal("0").ok());
  CHECK_FALSE(ParseSignal("99").ok());
  CHECK_FALSE(ParseSignal("RTMIN+99").ok());
}

}  // namespace
}  // namespace berth
