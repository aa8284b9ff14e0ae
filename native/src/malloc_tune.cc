// Allocator tuning applied when the addon loads. Every tfjs kernel output is a fresh, zero-filled ArrayBuffer
// (calloc); glibc serves large ones with a new mmap each time, so every output page is first touched through a page
// fault. On the VMs this project runs on a fault costs tens of µs: allocating a 64 MB output took ~0.7 s, far more
// than the kernel that fills it. Keeping large blocks in the heap (no mmap, no trimming) makes freed outputs reusable
// without faults (~25 ms for the same 64 MB). The process keeps its peak heap instead of returning it to the OS.
// Set DAL_MALLOC_TUNE=0 to leave glibc's defaults.
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "registry.h"

namespace {

bool tuned = false;

struct MallocTune {
  MallocTune() {
#if defined(__GLIBC__)
    const char* env = std::getenv("DAL_MALLOC_TUNE");
    if (env && std::strcmp(env, "0") == 0) return;
    // Main-arena allocations (the JS thread's ArrayBuffers) come from the brk heap; other arenas still fall back
    // to mmap when their heaps are full.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    tuned = true;
#endif
  }
};

MallocTune tune;

napi_value MallocTunedFn(napi_env env, napi_callback_info) {
  napi_value v;
  napi_get_boolean(env, tuned, &v);
  return v;
}

static dal::Export e1("mallocTuned", MallocTunedFn);

}  // namespace
