// A small persistent thread pool shared by every kernel: parallelFor(n, fn) splits [0, n) into one contiguous chunk
// per thread and runs them concurrently (the calling thread takes the first chunk). The thread count comes from the
// DAL_NUM_THREADS environment variable, else std::thread::hardware_concurrency().
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dal {

class ThreadPool {
 public:
  static ThreadPool& instance() {
    // Never destroyed: workers wait on cv_ forever, and destroying a condition variable with waiters blocks
    // (glibc) — a static pool's destructor would hang the process at exit.
    static ThreadPool* pool = new ThreadPool(defaultThreads());
    return *pool;
  }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  /** True on a thread that is running a parallelFor chunk (a nested parallelFor then runs inline). */
  static bool inParallelRegion() { return inParallel_; }

  // Runs fn(begin, end) over [0, n) split into at most threads() chunks of at least `grain` items.
  void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    int64_t chunks = std::min<int64_t>(threads(), std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
    if (chunks <= 1 || inParallel_) {
      fn(0, n);
      return;
    }
    // One job at a time: callers on different threads (e.g. Node worker_threads) take turns.
    std::lock_guard<std::mutex> caller(callMu_);
    std::unique_lock<std::mutex> lock(mu_);
    job_ = &fn;
    jobN_ = n;
    jobChunks_ = chunks;
    pending_ = static_cast<int>(chunks) - 1;
    ++generation_;
    lock.unlock();
    cv_.notify_all();
    inParallel_ = true;
    fn(0, n / chunks);
    inParallel_ = false;
    lock.lock();
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  explicit ThreadPool(int n) {
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i] { loop(i); });
    for (auto& w : workers_) w.detach();
  }

  static int defaultThreads() {
    if (const char* env = std::getenv("DAL_NUM_THREADS")) {
      int n = std::atoi(env);
      if (n > 0) return std::min(n, 256);
    }
    return std::max(1u, std::thread::hardware_concurrency());
  }

  void loop(int index) {
    uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (index >= jobChunks_) continue;
      const auto* fn = job_;
      int64_t n = jobN_, chunks = jobChunks_;
      lock.unlock();
      inParallel_ = true;
      (*fn)(n * index / chunks, n * (index + 1) / chunks);
      inParallel_ = false;
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_, callMu_;
  std::condition_variable cv_, done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t jobN_ = 0, jobChunks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  static inline thread_local bool inParallel_ = false;
};

inline void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  ThreadPool::instance().parallelFor(n, grain, fn);
}

}  // namespace dal
