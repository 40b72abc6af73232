// A small fixed-size thread pool. parallel(T, f) runs f(t, T) for every chunk t in [0, T) across the pool
// (the calling thread included); threads claim chunks dynamically, but the work of a chunk is fixed by
// (t, T) alone, so a result depends only on T (deterministic for a fixed thread count; T may exceed the
// pool size). If another JS thread (a worker_thread sharing this process) is already using the pool, the
// chunks run one after another on the calling thread, which gives the same bits.
#pragma once

namespace wr {

// Threads in the pool including the caller (>= 1). Default: the CPUs this process may run on, or
// WEIGHTROOM_NUM_THREADS.
int num_threads();
void set_num_threads(int n);

void parallel_run(int T, void (*fn)(void*, int, int), void* ctx);

// Set while a thread runs a chunk: a parallel() nested inside one runs its chunks inline (same results).
extern thread_local int t_in_parallel;

template <class F>
void parallel(int T, F&& f) {
  if (T <= 1) {
    f(0, 1);
    return;
  }
  if (t_in_parallel) {
    for (int t = 0; t < T; t++) f(t, T);
    return;
  }
  parallel_run(
      T, [](void* c, int t, int n) { (*static_cast<F*>(c))(t, n); }, &f);
}

// Threads worth using for `work` units of ~1 ns each (a wake-up costs a few microseconds).
int threads_for(double work);

// [begin, end) of chunk t of T over n items, each chunk a multiple of `align` except the last.
inline void chunk_range(long n, int t, int T, long align, long* begin, long* end) {
  const long blocks = (n + align - 1) / align;
  const long b0 = blocks * t / T, b1 = blocks * (t + 1) / T;
  *begin = b0 * align < n ? b0 * align : n;
  *end = b1 * align < n ? b1 * align : n;
}

}  // namespace wr
