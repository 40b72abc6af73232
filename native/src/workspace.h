// Reused scratch memory: each thread keeps a few 64-byte-aligned buffers (GEMM packing, im2col columns,
// partial sums) that only grow, so steady-state training allocates and faults in nothing per call.
#pragma once
#include <cstddef>

namespace wr {

enum WorkspaceSlot { WS_PACK_A, WS_PACK_B, WS_PREPACK_A, WS_PREPACK_B, WS_COL, WS_TMP, WS_TMP2, WS_SHRINK, WS_TAPS, WS_COUNT };

// A buffer of at least `floats` floats for this thread and slot, valid until the next call with that slot.
float* workspace(WorkspaceSlot slot, size_t floats);

// Process-wide scratch shared by one parallel region (e.g. per-chunk partial sums): owned by the calling
// JS thread; valid until its next call.
float* shared_workspace(size_t floats);

}  // namespace wr
