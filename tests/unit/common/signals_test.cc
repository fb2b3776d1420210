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

TEST_CASE("signal names as the docker CLI sends them", "[signals]") {
  CHECK(SignalName(SIGUSR1) == "USR1");
  CHECK(SignalName(SIGCHLD) == "CHLD");
  CHECK(SignalName(SIGABRT) == "ABRT");
  CHECK(SignalName(SIGIO) == "IO");
  CHECK(SignalName(SIGRTMIN) == "RTMIN");
  CHECK(SignalName(SIGRTMIN + 15) == "RTMIN+15");
  CHECK(SignalName(SIGRTMAX - 14) == "RTMAX-14");
  CHECK(SignalName(SIGRTMAX) == "RTMAX");
  CHECK(SignalName(0).empty());
  CHECK(SignalName(32).empty());
  CHECK(SignalName(NSIG).empty());
  for (int sig = 1; sig < NSIG; ++sig) {
    std::string name = SignalName(sig);
    if (name.empty()) continue;
    INFO(name);
    CHECK(*ParseSignal(name) == sig);
  }
}

}  // namespace
}  // namespace berth
