// N-API glue: unwraps JS typed arrays (zero-copy: kernels read and write the arrays' own memory), checks
// that every buffer is large enough for the sizes given (a wrong size must throw, never corrupt memory),
// and calls the drivers. Plain node_api.h, no C++ wrapper library.
#include <node_api.h>
#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#endif
#include "gemm.h"
#include "napi_args.h"
#include "kernels.h"
#include "ops.h"
#include "parallel.h"

#include <time.h>

#include <chrono>

namespace wr {
namespace {

// --------------------------------------------------------------------------------------- runtime settings
napi_value Info(napi_env env, napi_callback_info info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, isa().name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "isa", v);
  napi_create_int32(env, num_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  const char* names[8];
  const int k = isa_available(names, 8);
  napi_value arr;
  napi_create_array_with_length(env, k, &arr);
  for (int i = 0; i < k; i++) {
    napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, arr, i, v);
  }
  napi_set_named_property(env, obj, "available", arr);
  return obj;
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, "setNumThreads");
  const long n = a.integer(0);
  if (!a.failed && (n < 1 || n > 255)) a.fail("thread count must be in 1..255");
  if (!a.failed) set_num_threads((int)n);
  return undefined(env);
}

// --------------------------------------------------------------------------------------------------- GEMM
// matmul(a, b, out, batch, m, k, n, transA, transB, strideA, strideB, accumulate)
napi_value Matmul(napi_env env, napi_callback_info info) {
  Args a(env, info, "matmul");
  const long batch = a.integer(3), m = a.integer(4), k = a.integer(5), n = a.integer(6);
  const bool ta = a.boolean(7), tb = a.boolean(8);
  const long sa = a.integer(9), sb = a.integer(10);
  const bool acc = a.boolean(11);
  if (a.failed) return nullptr;
  const size_t needA = batch ? (size_t)((batch - 1) * sa + m * k) : 0;
  const size_t needB = batch ? (size_t)((batch - 1) * sb + k * n) : 0;
  const float* A = a.f32(0, needA, "a must be a Float32Array");
  const float* B = a.f32(1, needB, "b must be a Float32Array");
  float* C = a.f32(2, (size_t)(batch * m * n), "out must be a Float32Array");
  if (a.failed) return nullptr;
  sgemm_batched(batch, m, n, k, A, sa, ta, B, sb, tb, C, acc);
  return undefined(env);
}

// fmaPeak(threads, reps): the best GFLOP/s of `reps` rounds of register-only FMA chains on `threads`
// threads at once (what the benchmarks report GEMM against).
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  Args a(env, info, "fmaPeak");
  const long T = a.integer(0), reps = a.integer(1);
  if (a.failed) return nullptr;
  const IsaKernels& K = isa();
  const long iters = 2000000;
  double best = 0;
  volatile float sink = 0;
  for (long r = 0; r < reps; r++) {
    double flops[256] = {0};
    float sums[256] = {0};
    const auto t0 = std::chrono::steady_clock::now();
    parallel((int)T, [&](int t, int) { sums[t] = K.fma_probe(iters, &flops[t]); });
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double total = 0;
    for (int t = 0; t < 256; t++) {
      total += flops[t];
      sink = sink + sums[t];
    }
    if (total / dt / 1e9 > best) best = total / dt / 1e9;
  }
  napi_value v;
  napi_create_double(env, best, &v);
  return v;
}

// threadCpuMs(): CPU time of the calling thread in ms (benchmarks on a shared machine use it to tell their own
// work from time spent descheduled).
napi_value ThreadCpuMs(napi_env env, napi_callback_info) {
  timespec ts{};
#ifdef CLOCK_THREAD_CPUTIME_ID
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
#endif
  napi_value v;
  napi_create_double(env, ts.tv_sec * 1e3 + ts.tv_nsec / 1e6, &v);
  return v;
}

// The pool's worker threads and the zeroing thread live as long as the process and run this library's code.
// Node unloads an addon when the last worker_thread that loaded it exits (vitest's main thread never loads
// it), which would unmap that code under them; marking the library NODELETE keeps it mapped.
void pin_library() {
#if defined(__linux__) || defined(__APPLE__)
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&pin_library), &info) && info.dli_fname)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

}  // namespace

// Defined in addon_ops.cc (elementwise, reductions, conv, pooling) and memory.cc (the buffer pool).
void register_ops(napi_env env, napi_value exports);
void register_memory(napi_env env, napi_value exports);

}  // namespace wr

NAPI_MODULE_INIT() {
  wr::pin_library();
  wr::isa();  // resolve the ISA (and WEIGHTROOM_ISA) before any parallel region
  napi_property_descriptor props[] = {
      {"info", nullptr, wr::Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setNumThreads", nullptr, wr::SetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, wr::Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fmaPeak", nullptr, wr::FmaPeak, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threadCpuMs", nullptr, wr::ThreadCpuMs, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  wr::register_ops(env, exports);
  wr::register_memory(env, exports);
  return exports;
}
