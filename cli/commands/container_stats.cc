// berth stats: one collector thread per container reading its stats
// stream, a table drawn from their latest samples every half second
// (redrawn in place on a terminal), or one table with --no-stream. With
// no containers named it follows start/die events, as docker does.
#include "cli/commands/container_stats.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/client/errors.h"
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/system_util.h"
#include "cli/output/table.h"
#include "common/human_units.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

constexpr char kNoValue[] = "--";

double Num(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

const nlohmann::json& Obj(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : empty;
}

std::string Percentage(double v) { return fmt::format("{:.2f}%", v); }

// One container being watched.
struct Slot {
  explicit Slot(std::string c) { entry.container = std::move(c); }
  std::mutex mu;
  StatsEntry entry;
  absl::Status error;
  bool first = false;  // a sample (or an error) arrived
  bool removed = false;
  client::BodyStream* stream = nullptr;  // to shut down on removal
};

class StatsSet {
 public:
  // False when already watched.
  std::shared_ptr<Slot> Add(const std::string& container) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : slots_) {
      if (s->entry.container == container) return nullptr;
    }
    slots_.push_back(std::make_shared<Slot>(container));
    return slots_.back();
  }
  void Remove(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [&](const auto& s) { return s->entry.container == id; });
    if (it == slots_.end()) return;
    {
      std::lock_guard<std::mutex> slot_lock((*it)->mu);
      (*it)->removed = true;
      if ((*it)->stream != nullptr) (*it)->stream->Shutdown();
    }
    slots_.erase(it);
  }
  std::vector<std::shared_ptr<Slot>> Snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    return slots_;
  }
  // Waits until every slot has its first sample or `timeout` passed.
  void WaitFirst(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (const auto& s : Snapshot()) {
        std::lock_guard<std::mutex> lock(s->mu);
        all = all && s->first;
      }
      if (all) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<Slot>> slots_;
};

void SetSample(Slot& slot, const nlohmann::json& sample) {
  StatsEntry e = StatsFromJson(sample);
  std::lock_guard<std::mutex> lock(slot.mu);
  e.container = slot.entry.container;
  slot.entry = e;
  slot.error = absl::OkStatus();
  slot.first = true;
}

void SetError(Slot& slot, const absl::Status& error) {
  std::lock_guard<std::mutex> lock(slot.mu);
  slot.error = error;
  slot.entry.is_invalid = true;
  slot.first = true;
}

// Reads `slot`'s stats: one sample, or the stream until it ends.
void Collect(client::EngineClient* api, std::shared_ptr<Slot> slot, bool stream) {
  client::Request r{.path = "/containers/" + slot->entry.container + "/stats"};
  r.query.emplace_back("stream", stream ? "1" : "0");
  if (!stream) {
    absl::StatusOr<nlohmann::json> sample = api->DoJson(r);
    if (sample.ok()) {
      SetSample(*slot, *sample);
    } else {
      SetError(*slot, sample.status());
    }
    return;
  }
  absl::StatusOr<std::unique_ptr<client::BodyStream>> body = api->Stream(r);
  if (!body.ok()) return SetError(*slot, body.status());
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    if (slot->removed) return;
    slot->stream = body->get();
  }
  for (;;) {
    absl::StatusOr<std::optional<nlohmann::json>> sample = (*body)->NextJson();
    if (!sample.ok() || !sample->has_value()) {
      std::lock_guard<std::mutex> lock(slot->mu);
      slot->stream = nullptr;
      if (!slot->removed) {
        slot->entry.is_invalid = true;
        slot->first = true;
        if (!sample.ok()) slot->error = sample.status();
      }
      return;
    }
    SetSample(*slot, **sample);
  }
}

void StartCollector(client::EngineClient* api, const std::shared_ptr<Slot>& slot, bool stream,
                    std::vector<std::thread>* joinable) {
  std::thread t(Collect, api, slot, stream);
  if (joinable != nullptr) {
    joinable->push_back(std::move(t));
  } else {
    t.detach();
  }
}

// Follows container events: start (and create with -a) adds, die (without
// -a) and destroy remove.
void WatchEvents(client::EngineClient* api, std::unique_ptr<client::BodyStream> events,
                 std::shared_ptr<StatsSet> set, bool all) {
  for (;;) {
    absl::StatusOr<std::optional<nlohmann::json>> e = events->NextJson();
    if (!e.ok() || !e->has_value()) return;
    std::string action = (**e).value("Action", "");
    std::string id = (**e).value("Actor", nlohmann::json::object()).value("ID", "");
    if (id.empty()) continue;
    if (action == "start" || (all && action == "create")) {
      if (std::shared_ptr<Slot> slot = set->Add(id)) StartCollector(api, slot, true, nullptr);
    } else if (action == "destroy" || (!all && action == "die")) {
      set->Remove(id);
    }
  }
}

struct StatsOptions {
  bool all = false;
  bool no_stream = false;
  bool no_trunc = false;
  std::string format;
  std::vector<std::string> containers;
};

const nlohmann::json& Headers() {
  static const nlohmann::json h = {{"Container", "CONTAINER"},
                                   {"Name", "NAME"},
                                   {"ID", "CONTAINER ID"},
                                   {"CPUPerc", "CPU %"},
                                   {"MemUsage", "MEM USAGE / LIMIT"},
                                   {"MemPerc", "MEM %"},
                                   {"NetIO", "NET I/O"},
                                   {"BlockIO", "BLOCK I/O"},
                                   {"PIDs", "PIDS"}};
  return h;
}

absl::StatusOr<std::string> Render(StatsSet& set, const StatsOptions& o) {
  std::vector<nlohmann::json> rows;
  for (const auto& slot : set.Snapshot()) {
    std::lock_guard<std::mutex> lock(slot->mu);
    rows.push_back(StatsRow(slot->entry, !o.no_trunc));
  }
  return output::FormatRows(o.format, kStatsTable, Headers(), rows);
}

int Stats(StatsOptions& o, Cli& cli) {
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  // Negotiate once here, so the collector threads only read the version.
  if (absl::StatusOr<std::string> v = (*api)->ApiVersion(); !v.ok()) return cli.Fail(v.status());
  // Shared with the detached event and collector threads, which outlive
  // this function only as the process exits.
  auto shared_set = std::make_shared<StatsSet>();
  StatsSet& set = *shared_set;
  std::vector<std::thread> one_shot;
  std::vector<std::thread>* joinable = o.no_stream ? &one_shot : nullptr;
  bool show_all = o.containers.empty();
  if (show_all) {
    if (!o.no_stream) {
      client::Request r{.path = "/events",
                        .query = {{"filters", R"({"type":{"container":true}})"}}};
      absl::StatusOr<std::unique_ptr<client::BodyStream>> events = (*api)->Stream(r);
      if (!events.ok()) return cli.Fail(events.status());
      std::thread(WatchEvents, *api, std::move(*events), shared_set, o.all).detach();
    }
    client::Query query;
    if (o.all) query.emplace_back("all", "1");
    absl::StatusOr<nlohmann::json> list = (*api)->GetJson("/containers/json", query);
    if (!list.ok()) return cli.Fail(list.status());
    for (const nlohmann::json& c : *list) {
      if (std::shared_ptr<Slot> slot = set.Add(c.value("Id", ""))) {
        StartCollector(*api, slot, !o.no_stream, joinable);
      }
    }
  } else {
    for (const std::string& c : o.containers) {
      if (std::shared_ptr<Slot> slot = set.Add(c)) {
        StartCollector(*api, slot, !o.no_stream, joinable);
      }
    }
  }
  for (std::thread& t : one_shot) t.join();
  if (!o.no_stream) set.WaitFirst(std::chrono::seconds(2));
  if (!show_all) {
    // Containers named on the command line must exist: their errors, joined.
    std::vector<absl::Status> errors;
    for (const auto& slot : set.Snapshot()) {
      std::lock_guard<std::mutex> lock(slot->mu);
      if (!slot->error.ok()) errors.push_back(slot->error);
    }
    if (!errors.empty()) {
      for (const absl::Status& s : errors) {
        std::fprintf(cli.err(), "%s\n", client::ErrorLine(s).c_str());
      }
      cli.set_exit_code(1);
      return 1;
    }
  }

  if (o.no_stream) {
    if (set.Snapshot().empty()) return 0;
    absl::StatusOr<std::string> table = Render(set, o);
    if (!table.ok()) return cli.Fail(table.status());
    std::fputs(table->c_str(), cli.out());
    return 0;
  }
  bool terminal = cli.out_is_terminal();
  for (;;) {
    absl::StatusOr<std::string> table = Render(set, o);
    if (!table.ok()) return cli.Fail(table.status());
    std::string frame;
    if (terminal) {
      frame = "\033[H";
      std::vector<std::string_view> lines = Split(*table, '\n');
      for (std::string_view line : lines) {
        frame += line;
        frame += "\033[K\n";
      }
      frame += "\033[J";
    } else {
      frame = *table;
    }
    std::fputs(frame.c_str(), cli.out());
    if (std::fflush(cli.out()) != 0) return 0;  // the reader went away
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

double CpuPercentUnix(const nlohmann::json& precpu_stats, const nlohmann::json& cpu_stats) {
  double cpu_delta = Num(Obj(cpu_stats, "cpu_usage"), "total_usage") -
                     Num(Obj(precpu_stats, "cpu_usage"), "total_usage");
  double system_delta = Num(cpu_stats, "system_cpu_usage") - Num(precpu_stats, "system_cpu_usage");
  double online = Num(cpu_stats, "online_cpus");
  if (online == 0) {
    const nlohmann::json& usage = Obj(cpu_stats, "cpu_usage");
    if (usage.contains("percpu_usage") && usage["percpu_usage"].is_array()) {
      online = static_cast<double>(usage["percpu_usage"].size());
    }
  }
  if (system_delta > 0 && cpu_delta > 0) return cpu_delta / system_delta * online * 100.0;
  return 0;
}

double MemUsageNoCache(const nlohmann::json& memory_stats) {
  double usage = Num(memory_stats, "usage");
  const nlohmann::json& stats = Obj(memory_stats, "stats");
  if (stats.contains("total_inactive_file")) {
    double v = Num(stats, "total_inactive_file");
    if (v < usage) return usage - v;
  }
  double v = Num(stats, "inactive_file");
  if (v < usage) return usage - v;
  return usage;
}

std::pair<double, double> BlockIo(const nlohmann::json& blkio_stats) {
  double read = 0, write = 0;
  if (blkio_stats.is_object() && blkio_stats.contains("io_service_bytes_recursive") &&
      blkio_stats["io_service_bytes_recursive"].is_array()) {
    for (const nlohmann::json& e : blkio_stats["io_service_bytes_recursive"]) {
      std::string op = e.value("op", "");
      if (op.empty()) continue;
      if (op[0] == 'r' || op[0] == 'R') read += Num(e, "value");
      if (op[0] == 'w' || op[0] == 'W') write += Num(e, "value");
    }
  }
  return {read, write};
}

std::pair<double, double> NetworkIo(const nlohmann::json& networks) {
  double rx = 0, tx = 0;
  if (networks.is_object()) {
    for (auto it = networks.begin(); it != networks.end(); ++it) {
      rx += Num(*it, "rx_bytes");
      tx += Num(*it, "tx_bytes");
    }
  }
  return {rx, tx};
}

StatsEntry StatsFromJson(const nlohmann::json& v) {
  StatsEntry e;
  e.name = v.value("name", "");
  e.id = v.value("id", "");
  const nlohmann::json& mem = Obj(v, "memory_stats");
  e.memory = MemUsageNoCache(mem);
  e.memory_limit = Num(mem, "limit");
  e.memory_percentage = e.memory_limit != 0 ? e.memory / e.memory_limit * 100.0 : 0;
  e.cpu_percentage = CpuPercentUnix(Obj(v, "precpu_stats"), Obj(v, "cpu_stats"));
  std::tie(e.network_rx, e.network_tx) = NetworkIo(Obj(v, "networks"));
  std::tie(e.block_read, e.block_write) = BlockIo(Obj(v, "blkio_stats"));
  e.pids_current = static_cast<uint64_t>(Num(Obj(v, "pids_stats"), "current"));
  return e;
}

nlohmann::json StatsRow(const StatsEntry& e, bool trunc) {
  std::string name = e.name;
  if (name.starts_with("/")) name.erase(0, 1);
  if (name.empty()) name = kNoValue;
  bool bad = e.is_invalid;
  return {{"Container", e.container},
          {"Name", name},
          {"ID", trunc ? e.id.substr(0, 12) : e.id},
          {"CPUPerc", bad ? kNoValue : Percentage(e.cpu_percentage)},
          {"MemUsage", bad ? "-- / --" : BytesSize(e.memory) + " / " + BytesSize(e.memory_limit)},
          {"MemPerc", bad ? kNoValue : Percentage(e.memory_percentage)},
          {"NetIO", bad ? kNoValue
                        : HumanSizeWithPrecision(e.network_rx, 3) + " / " +
                              HumanSizeWithPrecision(e.network_tx, 3)},
          {"BlockIO", bad ? kNoValue
                          : HumanSizeWithPrecision(e.block_read, 3) + " / " +
                                HumanSizeWithPrecision(e.block_write, 3)},
          {"PIDs", bad ? kNoValue : std::to_string(e.pids_current)}};
}

CLI::App* AddStatsCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* sub = AddCommand<StatsOptions>(
      parent, cli, "stats", "Display a live stream of container(s) resource usage statistics", o,
      Stats);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("containers", o->containers, "Containers");
  sub->add_flag("-a,--all", o->all, "Show all containers (default shows just running)");
  sub->add_flag("--no-stream", o->no_stream,
                "Disable streaming stats and only pull the first result");
  sub->add_flag("--no-trunc", o->no_trunc, "Do not truncate output");
  sub->add_option("--format", o->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or "
                  "a Go template");
  return sub;
}

}  // namespace berth::cli
