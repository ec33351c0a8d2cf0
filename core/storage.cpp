// The caching allocator: freed buffers wait in a free list keyed by their
// size, and the next request for that size takes one back. Sizes are rounded
// up to 64 bytes so that near sizes share lists. The cache is bounded: past
// kMaxCachedBytes a freed buffer goes back to the system.
#include "core/storage.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace ember {
namespace detail {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxCachedBytes = size_t{1} << 30;

size_t rounded_bytes(size_t n) { return ((n * sizeof(float) + kAlign - 1) / kAlign) * kAlign; }

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;  // bytes -> buffers
  size_t cached_bytes = 0;
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: storages may outlive static teardown
  return *instance;
}

}  // namespace

float* allocate_floats(size_t n) {
  size_t bytes = rounded_bytes(n == 0 ? 1 : n);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_lists.find(bytes);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= bytes;
      return static_cast<float*>(p);
    }
  }
  void* p = std::aligned_alloc(kAlign, bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<float*>(p);
}

void release_floats(float* p, size_t n) {
  size_t bytes = rounded_bytes(n == 0 ? 1 : n);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached_bytes + bytes <= kMaxCachedBytes) {
      c.free_lists[bytes].push_back(p);
      c.cached_bytes += bytes;
      return;
    }
  }
  std::free(p);
}

void empty_allocator_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& [bytes, list] : c.free_lists)
    for (void* p : list) std::free(p);
  c.free_lists.clear();
  c.cached_bytes = 0;
}

size_t allocator_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.cached_bytes;
}

}  // namespace detail

Storage::Storage(size_t n) : data_(detail::allocate_floats(n)), size_(n) {}
Storage::~Storage() { detail::release_floats(data_, size_); }

}  // namespace ember
