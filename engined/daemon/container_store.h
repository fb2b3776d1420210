// Every container berthd knows, by id and by name, with each record kept on
// disk under <data-root>/containers/<id>/. Lookups follow docker: a full
// id, a name (with or without '/'), or a unique id prefix.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engined/daemon/container.h"

namespace berth::engined {

// One container and its locks. `mu` guards `c` and `generation`;
// `changed` is notified on every state change (waiters of docker's
// /wait). `op` serializes lifecycle operations (start, stop, rm, ...) so
// that two of them never interleave on one container, while reads of `c`
// only take `mu`.
struct ContainerEntry {
  std::mutex mu;
  std::condition_variable changed;
  Container c;
  // Bumped at each exit (docker's "next-exit" condition) and on removal.
  uint64_t exits = 0;
  bool removed = false;
  // Attachers waiting for the next start (docker run attaches before it
  // starts): the start holds the process until they are in place, so no
  // output is missed.
  int pending_attaches = 0;
  std::mutex op;
};
using ContainerRef = std::shared_ptr<ContainerEntry>;

class ContainerStore {
 public:
  // `root` is <data-root>/containers.
  explicit ContainerStore(std::string root);

  // Reads every record under the root; a record that cannot be read is
  // logged and skipped (its directory is left for inspection).
  absl::Status Load();

  // Adds a new container, reserving its name: AlreadyExists with docker's
  // conflict message when the name is taken.
  absl::StatusOr<ContainerRef> Add(Container c);
  // docker's lookup; NotFound "No such container: REF".
  absl::StatusOr<ContainerRef> Get(const std::string& ref) const;
  std::vector<ContainerRef> List() const;
  bool NameTaken(const std::string& bare_name) const;
  // Renames (the caller holds entry->op); AlreadyExists when taken.
  absl::Status Rename(const ContainerRef& entry, const std::string& new_name);
  // Forgets the container and deletes its directory.
  absl::Status Remove(const ContainerRef& entry);

  // Writes the record atomically (the caller holds entry->mu).
  absl::Status Save(const Container& c) const;
  // The container's directory: log, /etc files, record.
  std::string Dir(const std::string& id) const;

 private:
  std::string root_;
  mutable std::mutex mu_;
  std::map<std::string, ContainerRef> by_id_;
  std::map<std::string, std::string> by_name_;  // "/name" -> id
};

}  // namespace berth::engined
