// The oneDNN context, as the rest of ember sees it: how many primitives the
// cache holds and how often it was hit. The engine, the stream and the cache
// themselves are oneDNN types and live in dnnl_context_detail.hpp, which only
// core/kernels/*.cpp include — no public header depends on dnnl.hpp.
#pragma once

#include <cstdint>

namespace ember::kernels {

struct PrimitiveCacheStats {
  int64_t entries = 0;  ///< primitives held by the calling thread's cache
  int64_t hits = 0;     ///< lookups that found a primitive (this thread, since the last clear)
  int64_t misses = 0;   ///< lookups that had to create one
  int threads = 0;      ///< the thread count the held primitives were made for (0: none made yet)
};

/// The calling thread's cache counters (each thread has its own cache).
PrimitiveCacheStats primitive_cache_stats();
/// Drops the calling thread's cached primitives and resets its counters.
void clear_primitive_cache();

}  // namespace ember::kernels
