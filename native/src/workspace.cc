// Thread-local growable aligned buffers behind workspace().
#include "workspace.h"

#include <stdlib.h>

namespace wr {
namespace {

struct Buffer {
  float* p = nullptr;
  size_t cap = 0;
  ~Buffer() { free(p); }
  float* get(size_t n) {
    if (n > cap) {
      free(p);
      // grow geometrically (x1.5) so slowly increasing sizes do not reallocate every call
      size_t want = n + n / 2;
      want = (want + 15) & ~size_t(15);
      p = static_cast<float*>(aligned_alloc(64, want * sizeof(float)));
      cap = p ? want : 0;
      if (!p) abort();
    }
    return p;
  }
};

thread_local Buffer t_buffers[WS_COUNT];
thread_local Buffer t_shared;

}  // namespace

float* workspace(WorkspaceSlot slot, size_t floats) { return t_buffers[slot].get(floats ? floats : 1); }

float* shared_workspace(size_t floats) { return t_shared.get(floats ? floats : 1); }

}  // namespace wr
