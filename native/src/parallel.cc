// Thread pool behind parallel(): workers spin briefly after each job (kernels come in bursts, and a futex
// wake-up costs more than a small kernel), then sleep on a condition variable.
#include "parallel.h"

#include <sched.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define WR_PAUSE() _mm_pause()
#else
#define WR_PAUSE() std::this_thread::yield()
#endif

namespace wr {
namespace {

int default_threads() {
  const char* env = getenv("WEIGHTROOM_NUM_THREADS");
  if (env && *env) {
    const int n = atoi(env);
    if (n >= 1) return n;
  }
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n >= 1) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n >= 1 ? (int)n : 1;
}

constexpr int kSpinIters = 20000;  // ~50-100 us of pause before sleeping

class Pool {
 public:
  explicit Pool(int n) { start(n); }

  int size() const { return size_.load(std::memory_order_relaxed); }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(busy_);
    stop();
    start(n);
  }

  void run(int T, void (*fn)(void*, int, int), void* ctx) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (busy.owns_lock()) {
      const int n = size_.load(std::memory_order_relaxed);
      if (T > n) T = n;
      if (T > 255) T = 255;
    }
    if (!busy.owns_lock() || T <= 1) {
      // Pool taken by another JS thread (or nothing to share): same chunks, run here in order.
      for (int t = 0; t < T; t++) fn(ctx, t, T);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    pending_.store(T - 1, std::memory_order_relaxed);
    publish((unsigned long)T);
    cv_.notify_all();
    fn(ctx, 0, T);
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; spins++) {
      if (spins < kSpinIters)
        WR_PAUSE();
      else
        std::this_thread::yield();
    }
  }

 private:
  void start(int n) {
    const int size = n < 1 ? 1 : n;
    quit_.store(false, std::memory_order_relaxed);
    // Workers start from the current generation (read here, not in the thread, which might only run after
    // the first job was published and would then miss it).
    const unsigned long g0 = gen_.load(std::memory_order_acquire);
    for (int i = 1; i < size; i++) workers_.emplace_back([this, i, g0] { loop(i, g0); });
    size_.store(size, std::memory_order_relaxed);
  }

  void stop() {
    quit_.store(true, std::memory_order_relaxed);
    publish(0);
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // New generation word: sequence number above, thread count of the job in the low byte.
  void publish(unsigned long T) {
    {
      std::lock_guard<std::mutex> lk(m_);
      const unsigned long g = gen_.load(std::memory_order_relaxed);
      gen_.store((((g >> 8) + 1) << 8) | T, std::memory_order_release);
    }
    cv_.notify_all();
  }

  void loop(int id, unsigned long seen) {
    for (;;) {
      int spins = 0;
      while (gen_.load(std::memory_order_acquire) == seen && spins < kSpinIters) {
        WR_PAUSE();
        spins++;
      }
      if (gen_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
      }
      // The thread count travels in the low byte of the generation word, so a worker that is not part of
      // this job never reads fn_/ctx_, which the caller may already be rewriting for the next job.
      seen = gen_.load(std::memory_order_acquire);
      if (quit_.load(std::memory_order_relaxed)) return;
      const int T = (int)(seen & 0xff);
      if (id < T) {
        fn_(ctx_, id, T);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  std::atomic<int> size_{1};
  std::vector<std::thread> workers_;
  std::mutex busy_;  // held by the JS thread that owns the current job
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<unsigned long> gen_{0};
  std::atomic<int> pending_{0};
  void (*fn_)(void*, int, int) = nullptr;
  void* ctx_ = nullptr;
  std::atomic<bool> quit_{false};
};

// Never destroyed: joining workers from a static destructor during process exit could deadlock.
Pool* g_pool = nullptr;
std::once_flag g_once;

Pool& pool() {
  std::call_once(g_once, [] { g_pool = new Pool(default_threads()); });
  return *g_pool;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (n != pool().size()) pool().resize(n);
}

void parallel_run(int T, void (*fn)(void*, int, int), void* ctx) { pool().run(T, fn, ctx); }

int threads_for(double work) {
  const int n = num_threads();
  // below ~32k units a second thread does not pay for its wake-up
  const int by_work = (int)(work / 32768.0);
  if (by_work < 1) return 1;
  return by_work < n ? by_work : n;
}

}  // namespace wr
