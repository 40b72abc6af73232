// The tensor memory pool (Backend.alloc for buffers of 256 bytes and more). Fresh memory is expensive here:
// every new page faults in (about 1.4 us per 4 KiB page on the benchmark VM, 20x the cost of zeroing a page
// that is already mapped), and training allocates the same activation sizes every step. So blocks are kept
// in size classes and reused, never returned to the OS while under a cap.
//
// A block is handed to JS as an external ArrayBuffer. It may be reused only once no JS object can reach it.
// Node calls an external buffer's finalizer from the event loop (SetImmediate), which never runs during a
// synchronous training loop; so each block also carries a weak reference to its ArrayBuffer, which the GC
// clears synchronously when the buffer dies, and allocation misses sweep those references to reclaim dead
// blocks. Whichever of the sweep and the finalizer comes first returns the block; the second only frees the
// bookkeeping. Node marks external ArrayBuffers untransferable, so a block cannot move to another thread.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

#include "napi_args.h"
#include "parallel.h"

namespace wr {
namespace {

constexpr size_t kMinPooled = 256;      // smaller buffers stay with V8's allocator (and on its heap)
constexpr size_t kMinMapped = 64 << 10;  // smaller blocks come from calloc, larger ones from mmap

// Size classes: 4 per power of two (at most 25 % slack).
size_t size_class(size_t bytes) {
  size_t p = kMinPooled;
  while (p * 2 <= bytes) p *= 2;
  const size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

// Free memory the pool may keep: WEIGHTROOM_POOL_MB, else 1/8 of RAM up to 2 GiB (a training step's
// activations several times over for the models here; emptyCache() gives it all back).
size_t default_cap() {
  const char* env = getenv("WEIGHTROOM_POOL_MB");
  if (env && *env) return (size_t)atoll(env) << 20;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t eighth = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 8 : (size_t)1 << 30;
  const size_t cap = (size_t)2 << 30;
  return eighth < cap ? eighth : cap;
}

// Fresh blocks under 64 KiB come from calloc; larger ones straight from mmap: already zero (the kernel zeroes
// pages on first touch), page aligned, and 2 MiB aligned from 4 MiB on so transparent huge pages can back them
// (1 fault per 2 MiB, not 512).
void* map_block(size_t cls) {
  if (cls < kMinMapped) return calloc(1, cls);
#ifdef __linux__
  const size_t huge = (size_t)2 << 20;
  if (cls >= 2 * huge) {
    char* raw = static_cast<char*>(
        mmap(nullptr, cls + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (raw == MAP_FAILED) return nullptr;
    char* p = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(raw) + huge - 1) & ~(uintptr_t)(huge - 1));
    if (p > raw) munmap(raw, p - raw);
    if (p + cls < raw + cls + huge) munmap(p + cls, raw + cls + huge - (p + cls));
#ifdef MADV_HUGEPAGE
    madvise(p, cls, MADV_HUGEPAGE);
#endif
    return p;
  }
  void* p = mmap(nullptr, cls, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
#else
  return calloc(1, cls);
#endif
}

void unmap_block(void* p, size_t cls) {
  if (cls < kMinMapped) return free(p);
#ifdef __linux__
  munmap(p, cls);
#else
  (void)cls;
  free(p);
#endif
}

// Free blocks by class, shared by every JS thread of the process. A block comes back dirty and is zeroed
// when it is handed out again (Backend.alloc promises zeroed memory). With WEIGHTROOM_BACKGROUND_ZERO=1 a
// low-priority helper thread zeroes dirty blocks ahead of time instead: a gain when a core would otherwise
// idle (e.g. 1 compute thread on 2 cores), a loss when the compute threads use every core (measured on 2
// cores: -8 % images/s on the small CNN with 2 threads), hence off by default and idle with 1 thread.
class BlockPool {
 public:
  // A block of class cls, or nullptr; *dirty says whether the caller must zero it.
  void* take(size_t cls, bool* dirty) {
    std::lock_guard<std::mutex> lk(m_);
    for (auto* list : {&clean_, &dirty_}) {
      auto it = list->find(cls);
      if (it != list->end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        free_bytes_ -= cls;
        if (list == &dirty_) dirty_count_--;
        *dirty = list == &dirty_;
        return p;
      }
    }
    return nullptr;
  }
  void give(void* p, size_t cls) {
    {
      std::lock_guard<std::mutex> lk(m_);
      if (free_bytes_ + cls <= cap_) {
        dirty_[cls].push_back(p);
        free_bytes_ += cls;
        dirty_count_++;
        start_zeroer();
        cv_.notify_one();
        return;
      }
    }
    unmap_block(p, cls);
  }
  void trim() {
    std::lock_guard<std::mutex> lk(m_);
    for (auto* list : {&clean_, &dirty_}) {
      for (auto& kv : *list)
        for (void* p : kv.second) unmap_block(p, kv.first);
      list->clear();
    }
    free_bytes_ = 0;
    dirty_count_ = 0;
  }
  size_t free_bytes() {
    std::lock_guard<std::mutex> lk(m_);
    return free_bytes_;
  }

 private:
  void start_zeroer() {  // under m_
    if (zeroer_started_) return;
    const char* on = getenv("WEIGHTROOM_BACKGROUND_ZERO");
    if (!on || strcmp(on, "1") != 0) return;
    zeroer_started_ = true;
    std::thread([this] { zero_loop(); }).detach();
  }

  void zero_loop() {
#ifdef __linux__
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);  // idle cycles only
#endif
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      // with one thread requested the zeroer stays idle too (a 1-thread run uses one core)
      cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return dirty_count_ > 0 && num_threads() > 1; });
      if (dirty_count_ == 0 || num_threads() <= 1) continue;
      // take any dirty block out of the pool, zero it unlocked, file it as clean
      for (auto& kv : dirty_) {
        if (kv.second.empty()) continue;
        void* p = kv.second.back();
        const size_t cls = kv.first;
        kv.second.pop_back();
        dirty_count_--;
        free_bytes_ -= cls;
        lk.unlock();
        memset(p, 0, cls);
        lk.lock();
        clean_[cls].push_back(p);
        free_bytes_ += cls;
        break;
      }
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::unordered_map<size_t, std::vector<void*>> clean_, dirty_;
  size_t free_bytes_ = 0, dirty_count_ = 0;
  size_t cap_ = default_cap();
  bool zeroer_started_ = false;
};

BlockPool& pool() {
  static BlockPool* p = new BlockPool();  // never destroyed (finalizers may run during teardown)
  return *p;
}

// One handed-out block. It goes back to the pool exactly once (`returned`): by a sweep that finds its
// ArrayBuffer collected, by Node's finalizer, or by release(); the ticket itself is deleted once it is out of
// the live list and the finalizer has run (both must happen; either order).
struct Ticket {
  void* p;
  size_t cls;
  bool returned = false;   // the block is back in the pool
  bool finalized = false;  // Node's finalizer already ran
  bool in_live = true;     // still listed in EnvState::live
  size_t hidden = 0;       // bytes of it taken off V8's external-memory count (see hide_fraction)
};

struct Live {
  napi_ref ref;
  Ticket* t;
};

struct Stats {
  double hits = 0, misses = 0, sweeps = 0, reclaimed = 0;
};

// Per JS thread (napi_env): the blocks handed out there and not yet known dead.
struct EnvState {
  std::vector<Live> live;
  std::unordered_map<void*, Ticket*> by_ptr;  // blocks handed out and not yet returned
  size_t live_bytes = 0;
  size_t missed_bytes = 0;  // allocated fresh since the last sweep
  size_t hidden_bytes = 0;  // taken off V8's external-memory count for the blocks handed out now
  size_t sweep_at = 1024;   // live-list length that triggers a sweep (released entries wait there for one)
  napi_ref canary = nullptr;  // weak reference to a fresh object: cleared once a GC has run since it was made
  Stats stats;
};

EnvState* state(napi_env env) {
  void* d = nullptr;
  napi_get_instance_data(env, &d);
  if (d) return static_cast<EnvState*>(d);
  EnvState* s = new EnvState();
  // leaked at teardown on purpose: Node may still call finalizers that reference tickets
  napi_set_instance_data(env, s, nullptr, nullptr);
  return s;
}

// V8 counts every ArrayBuffer's bytes as external memory and starts a GC each time that count has grown by
// 64 MB: about once per training step here, though a reused block costs no fresh memory. So part of a reused
// block's bytes is taken off the count while it is handed out (and put back when it returns): GCs come less
// often and the pool holds more dead-but-uncollected blocks in between (at most 64 MB hidden in all:
// ResNet-18 32x32 training, 2 threads, GC pauses -40 %, peak RSS +40 MB). Fresh blocks count in full, so
// memory growth still drives the GC. WEIGHTROOM_GC_HIDE (0..1) overrides the fraction.
double hide_fraction() {
  static const double f = [] {
    const char* e = getenv("WEIGHTROOM_GC_HIDE");
    const double v = e && *e ? atof(e) : 0.75;
    return v < 0 ? 0.0 : v > 1 ? 1.0 : v;
  }();
  return f;
}

constexpr size_t kHideCap = (size_t)64 << 20;  // hidden bytes in all, at most

// The block goes back to the pool (if it has not yet) and leaves by_ptr.
void give_back(napi_env env, EnvState* s, Ticket* t) {
  if (t->returned) return;
  t->returned = true;
  if (t->hidden) {
    int64_t unused;
    napi_adjust_external_memory(env, (int64_t)t->hidden, &unused);
    s->hidden_bytes -= t->hidden;
    t->hidden = 0;
  }
  auto it = s->by_ptr.find(t->p);
  if (it != s->by_ptr.end() && it->second == t) s->by_ptr.erase(it);
  s->live_bytes -= t->cls;
  pool().give(t->p, t->cls);
}

void finalize(napi_env env, void*, void* hint) {
  Ticket* t = static_cast<Ticket*>(hint);
  t->finalized = true;
  give_back(env, state(env), t);
  if (!t->in_live) delete t;
}

// Reclaim every block whose ArrayBuffer the GC has collected, and drop released ones from the live list.
void sweep(napi_env env, EnvState* s) {
  s->stats.sweeps++;
  size_t kept = 0;
  for (size_t i = 0; i < s->live.size(); i++) {
    Live e = s->live[i];
    napi_value v = nullptr;
    if (!e.t->returned) napi_get_reference_value(env, e.ref, &v);
    if (v != nullptr) {
      s->live[kept++] = e;
      continue;
    }
    napi_delete_reference(env, e.ref);
    if (!e.t->returned) s->stats.reclaimed++;
    give_back(env, s, e.t);
    e.t->in_live = false;
    if (e.t->finalized) delete e.t;
  }
  s->live.resize(kept);
  s->missed_bytes = 0;
  s->sweep_at = kept * 2 > 1024 ? kept * 2 : 1024;
}

// Whether a GC has run since the last call (then dead blocks may be waiting for a sweep): a weakly held
// young object dies at the next scavenge, as do the ArrayBuffers of dead tensors.
bool gc_ran(napi_env env, EnvState* s) {
  napi_value v = nullptr;
  if (s->canary) napi_get_reference_value(env, s->canary, &v);
  if (s->canary && v) return false;
  if (s->canary) napi_delete_reference(env, s->canary);
  napi_value obj;
  napi_create_object(env, &obj);
  napi_create_reference(env, obj, 0, &s->canary);
  return true;
}

void zero(void* p, size_t bytes) {
  const int T = threads_for((double)bytes / 16.0);
  if (T <= 1) {
    memset(p, 0, bytes);
    return;
  }
  parallel(T, [&](int t, int TT) {
    long b0, b1;
    chunk_range((long)bytes, t, TT, 4096, &b0, &b1);
    if (b1 > b0) memset(static_cast<char*>(p) + b0, 0, b1 - b0);
  });
}

// alloc(bytes, zero = true): an ArrayBuffer of `bytes` from the pool, zero-filled unless `zero` is false (for
// outputs a kernel overwrites entirely: a reused block then skips its memset).
napi_value Alloc(napi_env env, napi_callback_info info) {
  Args a(env, info, "alloc");
  const long bytes = a.integer(0);
  const bool want_zero = a.is_null(1) || a.boolean(1);
  if (a.failed) return nullptr;
  EnvState* s = state(env);
  const size_t cls = size_class((size_t)bytes < kMinPooled ? kMinPooled : (size_t)bytes);
  bool dirty = false;
  if (s->live.size() >= s->sweep_at) sweep(env, s);
  void* p = pool().take(cls, &dirty);
  // a miss: sweep if the GC may have freed blocks since the last sweep (or a while after it, to be sure)
  if (!p && !s->live.empty() && (gc_ran(env, s) || s->missed_bytes >= ((size_t)8 << 20))) {
    sweep(env, s);
    p = pool().take(cls, &dirty);
  }
  const bool reused = p != nullptr;
  if (p) {
    s->stats.hits++;
    if (dirty && want_zero) zero(p, (size_t)bytes);
  } else {
    s->stats.misses++;
    s->missed_bytes += cls;
    p = map_block(cls);  // already zero
    if (!p) {
      a.fail("out of memory");
      return nullptr;
    }
  }
  Ticket* t = new Ticket{p, cls};
  s->by_ptr[p] = t;
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, (size_t)bytes, finalize, t, &ab) != napi_ok) {
    // e.g. a runtime with the V8 sandbox, which forbids external buffers: give the block back
    s->by_ptr.erase(p);
    delete t;
    pool().give(p, cls);
    napi_value undef;
    napi_get_undefined(env, &undef);
    return undef;
  }
  if (reused) {
    // at most kHideCap in all, so the dead blocks the GC has yet to find exceed V8's own 64 MB step by no
    // more than that, whatever the model
    const size_t room = s->hidden_bytes < kHideCap ? kHideCap - s->hidden_bytes : 0;
    t->hidden = (size_t)((double)bytes * hide_fraction());
    if (t->hidden > room) t->hidden = room;
    int64_t unused;
    if (t->hidden) napi_adjust_external_memory(env, -(int64_t)t->hidden, &unused);
    s->hidden_bytes += t->hidden;
  }
  napi_ref ref;
  napi_create_reference(env, ab, 0, &ref);
  s->live.push_back(Live{ref, t});
  s->live_bytes += cls;
  return ab;
}

// release(arrayBuffer): the caller guarantees nothing will read or write this buffer again (the autograd
// engine's own gradient temporaries). The buffer is detached (every view of it now has length 0, so a stray
// access finds nothing rather than a recycled block) and its block goes back to the pool now, without waiting
// for the GC. Returns false, changing nothing, for a buffer that is not a live pooled block.
napi_value Release(napi_env env, napi_callback_info info) {
  Args a(env, info, "release");
  bool is_ab = false;
  napi_value out;
  if (a.n < 1 || napi_is_arraybuffer(env, a.v[0], &is_ab) != napi_ok || !is_ab) {
    napi_get_boolean(env, false, &out);
    return out;
  }
  void* data = nullptr;
  size_t len = 0;
  napi_get_arraybuffer_info(env, a.v[0], &data, &len);
  EnvState* s = state(env);
  auto it = s->by_ptr.find(data);
  bool ok = false;
  if (it != s->by_ptr.end() && napi_detach_arraybuffer(env, a.v[0]) == napi_ok) {
    give_back(env, s, it->second);  // erases `it`; the live entry goes at the next sweep
    ok = true;
  }
  napi_get_boolean(env, ok, &out);
  return out;
}

// guardedBuffer(bytes, atStart): for tests only. An ArrayBuffer right next to an inaccessible page: it ends
// where the page starts (atStart false) or starts where it ends (atStart true), so a kernel that reads or
// writes past either end of its typed array faults at once instead of touching a neighbour's memory.
napi_value GuardedBuffer(napi_env env, napi_callback_info info) {
  Args a(env, info, "guardedBuffer");
  const long bytes = a.integer(0);
  const bool at_start = a.boolean(1);
  if (a.failed) return nullptr;
#ifdef __linux__
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t body = ((size_t)bytes + page - 1) / page * page;
  char* base = static_cast<char*>(mmap(nullptr, body + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (base == MAP_FAILED) {
    a.fail("out of memory");
    return nullptr;
  }
  char* data;
  if (at_start) {
    mprotect(base, page, PROT_NONE);
    data = base + page;
  } else {
    mprotect(base + body, page, PROT_NONE);
    data = base + body - bytes;
  }
  struct Map {
    char* base;
    size_t len;
  };
  Map* m = new Map{base, body + page};
  napi_value ab;
  if (napi_create_external_arraybuffer(
          env, data, (size_t)bytes,
          [](napi_env, void*, void* hint) {
            Map* mm = static_cast<Map*>(hint);
            munmap(mm->base, mm->len);
            delete mm;
          },
          m, &ab) != napi_ok) {
    munmap(base, body + page);
    delete m;
    return undefined(env);
  }
  return ab;
#else
  (void)at_start;
  return undefined(env);
#endif
}

napi_value MemoryStats(napi_env env, napi_callback_info) {
  EnvState* s = state(env);
  napi_value obj, v;
  napi_create_object(env, &obj);
  auto set = [&](const char* k, double x) {
    napi_create_double(env, x, &v);
    napi_set_named_property(env, obj, k, v);
  };
  set("pooledBytes", (double)pool().free_bytes());
  set("liveBytes", (double)s->live_bytes);
  set("liveBlocks", (double)s->live.size());
  set("hits", s->stats.hits);
  set("misses", s->stats.misses);
  set("sweeps", s->stats.sweeps);
  set("reclaimed", s->stats.reclaimed);
  set("hiddenBytes", (double)s->hidden_bytes);
  int64_t v8_external = 0;
  napi_adjust_external_memory(env, 0, &v8_external);
  set("v8ExternalBytes", (double)v8_external);  // what V8's GC heuristics see (not memoryUsage().external)
  return obj;
}

// emptyCache(): reclaim dead blocks, then free every pooled block (like torch.cuda.empty_cache()).
napi_value EmptyCache(napi_env env, napi_callback_info) {
  EnvState* s = state(env);
  sweep(env, s);
  pool().trim();
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

}  // namespace

void register_memory(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"alloc", nullptr, Alloc, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"memoryStats", nullptr, MemoryStats, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"emptyCache", nullptr, EmptyCache, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"guardedBuffer", nullptr, GuardedBuffer, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace wr
