// Thread pool behind parallel(). A job is T fixed chunks; threads claim chunks from a shared counter, so a
// worker the OS has descheduled (the machine is shared) costs nothing: whoever is running takes its chunk.
// The work of chunk t is fixed by (t, T), whichever thread runs it, so results stay deterministic. Workers
// spin briefly after each job (kernels come in bursts, and a futex wake-up costs more than a small kernel),
// then sleep on a condition variable.
#include "parallel.h"

#include <sched.h>
#include <stdint.h>
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
    if (n >= 1) return n > 255 ? 255 : n;
  }
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n >= 1) return n > 255 ? 255 : n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n >= 1 ? (n > 255 ? 255 : (int)n) : 1;
}

constexpr int kSpinIters = 20000;  // ~50-100 us of pause before sleeping
constexpr int kMaxChunks = (1 << 20) - 1;  // chunk count travels in the low 20 bits of the generation word

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
    if (!busy.owns_lock() || T <= 1 || size() <= 1) {
      // Pool taken by another JS thread (or nothing to share): the same chunks, run here in order.
      const int outer = t_in_parallel;
      t_in_parallel = 1;
      for (int t = 0; t < T; t++) fn(ctx, t, T);
      t_in_parallel = outer;
      return;
    }
    if (T > kMaxChunks) T = kMaxChunks;
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t seq = ++seq_;
    claim_.store(seq << 32, std::memory_order_relaxed);
    publish(seq, (unsigned)T);
    work(seq, T);
    for (int spins = 0; done_.load(std::memory_order_acquire) != T; spins++) {
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
    const uint64_t g0 = gen_.load(std::memory_order_acquire);
    for (int i = 1; i < size; i++) workers_.emplace_back([this, g0] { loop(g0); });
    size_.store(size, std::memory_order_relaxed);
  }

  void stop() {
    quit_.store(true, std::memory_order_relaxed);
    publish(++seq_, 0);
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // The generation word: job sequence number above, chunk count in the low 20 bits.
  void publish(uint64_t seq, unsigned T) {
    {
      std::lock_guard<std::mutex> lk(m_);
      gen_.store((seq << 20) | T, std::memory_order_release);
    }
    cv_.notify_all();
  }

  // Claim and run chunks of job `seq` until none is left. The claim word carries the job's sequence number,
  // so a worker waking late for an old job can never take a chunk of a newer one (whose fn_/ctx_ it has not
  // seen); and fn_/ctx_ cannot change while a claimed chunk is unfinished, since the job is not done.
  void work(uint64_t seq, int T) {
    for (;;) {
      uint64_t v = claim_.load(std::memory_order_acquire);
      if ((v >> 32) != (seq & 0xffffffffu)) return;
      const int t = (int)(v & 0xffffffffu);
      if (t >= T) return;
      if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) continue;
      t_in_parallel = 1;
      fn_(ctx_, t, T);
      t_in_parallel = 0;
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void loop(uint64_t seen) {
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
      seen = gen_.load(std::memory_order_acquire);
      if (quit_.load(std::memory_order_relaxed)) return;
      work(seen >> 20, (int)(seen & kMaxChunks));
    }
  }

  std::atomic<int> size_{1};
  std::vector<std::thread> workers_;
  std::mutex busy_;  // held by the JS thread that owns the current job
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};
  uint64_t seq_ = 0;  // written only under busy_
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

thread_local int t_in_parallel = 0;

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
