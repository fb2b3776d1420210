// Threads for work that must not run on the thread that found it (a restart
// after its back-off, an --rm removal after an exit), joined when done and
// all joined at shutdown.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace berth::engined {

class BackgroundTasks {
 public:
  ~BackgroundTasks() { JoinAll(); }

  void Run(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    ReapLocked();
    auto task = std::make_unique<Task>();
    Task* raw = task.get();
    task->thread = std::thread([raw, fn = std::move(fn)] {
      fn();
      raw->done = true;
    });
    tasks_.push_back(std::move(task));
  }

  void JoinAll() {
    std::list<std::unique_ptr<Task>> tasks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks.swap(tasks_);
    }
    for (auto& t : tasks) t->thread.join();
  }

 private:
  struct Task {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void ReapLocked() {
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = tasks_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::mutex mu_;
  std::list<std::unique_ptr<Task>> tasks_;
};

}  // namespace berth::engined
