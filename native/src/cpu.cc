// Run-time CPU dispatch: pick the best kernel table this CPU (and OS) can run; WEIGHTROOM_ISA=avx512|avx2|
// portable forces a lower one (a higher one than the CPU supports is refused and the best is kept).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

namespace wr {
namespace {

bool cpu_has(const IsaKernels& k) {
  if (k.name == nullptr) return false;  // not compiled for this architecture
#if defined(__x86_64__) || defined(_M_X64)
  // __builtin_cpu_supports also checks (via XGETBV) that the OS saves the wide registers.
  if (&k == &kAvx512) return __builtin_cpu_supports("avx512f");
  if (&k == &kAvx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return &k == &kPortable;
}

const IsaKernels* const kAll[] = {&kAvx512, &kAvx2, &kPortable};

const IsaKernels* choose() {
  const IsaKernels* best = &kPortable;
  for (const IsaKernels* k : kAll)
    if (cpu_has(*k)) {
      best = k;
      break;
    }
  const char* want = getenv("WEIGHTROOM_ISA");
  if (want && *want) {
    for (const IsaKernels* k : kAll)
      if (k->name && strcmp(k->name, want) == 0 && cpu_has(*k)) return k;
  }
  return best;
}

// The active table: a copy of the chosen one, so WEIGHTROOM_GEMM_BLOCKING="KC,MC,NC" (a tuning knob for the
// benchmarks) can override its cache blocking. Set once at module load, before any parallel region.
IsaKernels g_active;
const IsaKernels* g_isa = nullptr;

void activate(const IsaKernels* k) {
  g_active = *k;
  const char* env = getenv("WEIGHTROOM_GEMM_BLOCKING");
  long kc, mc, nc;
  if (env && sscanf(env, "%ld,%ld,%ld", &kc, &mc, &nc) == 3 && kc > 0 && mc > 0 && nc > 0) {
    g_active.kc = (int)kc;
    g_active.mc = (int)((mc + k->mr - 1) / k->mr * k->mr);
    g_active.nc = (int)((nc + k->nr - 1) / k->nr * k->nr);
  }
  g_isa = &g_active;
}

}  // namespace

const IsaKernels& isa() {
  if (!g_isa) activate(choose());
  return *g_isa;
}

int isa_available(const char** names, int cap) {
  int n = 0;
  for (const IsaKernels* k : kAll)
    if (cpu_has(*k) && n < cap) names[n++] = k->name;
  return n;
}

bool isa_select(const char* name) {
  for (const IsaKernels* k : kAll)
    if (k->name && strcmp(k->name, name) == 0 && cpu_has(*k)) {
      activate(k);
      return true;
    }
  return false;
}

}  // namespace wr
