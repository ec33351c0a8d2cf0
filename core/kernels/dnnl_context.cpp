// The oneDNN engine, per-thread streams and the per-thread primitive cache
// (see dnnl_context_detail.hpp for why each exists).
#include "core/kernels/dnnl_context.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/kernels/team.h"

#include "core/kernels/dnnl_context_detail.hpp"

namespace ember::kernels {
namespace dnnl_detail {
namespace {

struct KeyHash {
  size_t operator()(const PrimitiveKey& k) const {
    auto mix = [](size_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); };
    uint32_t a, b;
    std::memcpy(&a, &k.alpha, 4);
    std::memcpy(&b, &k.beta, 4);
    size_t h =
        mix(mix(mix(mix(static_cast<size_t>(k.kind), k.algorithm), a), b), static_cast<uint64_t>(k.axis));
    for (int64_t d : k.dims) h = mix(h, static_cast<uint64_t>(d));
    return h;
  }
};

// oneDNN's JIT eltwise injectors (the exp inside softmax, log_softmax and
// their backwards, among others) save three zmm registers at [rsp] around
// every vector they compute, with unaligned moves. Where rsp then sits
// relative to a 64-byte line depends only on the stack depth of ember's
// caller, so an unrelated change in ember (a larger frame in the autograd
// engine) can make every one of those saves and reloads split a cache line:
// log_softmax's backward on [256, 1024] took 70 µs instead of 58 (oneDNN
// 2.6.3, AMD EPYC). The kernels are at their fastest when the caller's stack
// is 64-byte aligned at the call, so the call goes through a trampoline that
// aligns it — the same layout whatever the depth.
#if defined(__x86_64__) && defined(__ELF__)
extern "C" dnnl_status_t ember_dnnl_execute_aligned(const_dnnl_primitive_t, dnnl_stream_t, int,
                                                    const dnnl_exec_arg_t*);
asm(R"(
  .pushsection .text
  .p2align 4
  .type ember_dnnl_execute_aligned, @function
ember_dnnl_execute_aligned:
  .cfi_startproc
  push %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  mov %rsp, %rbp
  .cfi_def_cfa_register %rbp
  and $-64, %rsp
  call dnnl_primitive_execute@PLT
  leave
  .cfi_def_cfa %rsp, 8
  ret
  .cfi_endproc
  .size ember_dnnl_execute_aligned, .-ember_dnnl_execute_aligned
  .popsection
)");
#else
dnnl_status_t ember_dnnl_execute_aligned(const_dnnl_primitive_t p, dnnl_stream_t s, int n,
                                         const dnnl_exec_arg_t* args) {
  return dnnl_primitive_execute(p, s, n, args);
}
#endif

// primitive.execute(stream(), args), through the trampoline.
void execute_aligned(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  thread_local std::vector<dnnl_exec_arg_t> c_args;
  c_args.clear();
  for (const auto& [id, memory] : args) c_args.push_back({id, memory.get(true)});
  dnnl::error::wrap_c_api(ember_dnnl_execute_aligned(primitive.get(), stream().get(),
                                                     static_cast<int>(c_args.size()), c_args.data()),
                          "could not execute a primitive");
}

// A training loop uses a few dozen configurations; a program that feeds ever
// new shapes would grow the cache without bound, so past this size it starts over.
constexpr size_t kMaxEntries = 4096;

struct Cache {
  std::unordered_map<PrimitiveKey, CachedPrimitive, KeyHash> entries;
  int threads = 0;  // the OpenMP thread count the entries were created under
  int64_t hits = 0, misses = 0;
};

Cache& thread_cache() {
  thread_local Cache cache;
  return cache;
}

}  // namespace

dnnl::engine& engine() {
  static dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

namespace {
// omp_set_num_threads for a scope (the calling thread's count), put back after.
struct OmpThreads {
  int previous = omp_get_max_threads();
  explicit OmpThreads(int threads) { omp_set_num_threads(threads); }
  ~OmpThreads() { omp_set_num_threads(previous); }
};
}  // namespace

CachedPrimitive& cached(const PrimitiveKey& key, const std::function<CachedPrimitive()>& make) {
  Cache& cache = thread_cache();
  // A primitive splits its work for the thread count it was created under,
  // and the split decides the order of its sums: one created before a
  // set_num_threads would go on computing as the old count did, and a run's
  // bits would depend on its history. A new count starts the cache over.
  // The count is the one the primitive will run with: while the busy-machine
  // back-off gives fewer threads (team.h), primitives are made for that team.
  // oneDNN's primitives fork the count they were made for whatever
  // omp_set_num_threads says at execute time, so one made for two threads
  // would keep the busy core's wait the back-off is there to avoid — and keep
  // ember's second thread busy, which the back-off would then read as another
  // program's load and never end.
  if (int threads = team_threads(std::numeric_limits<int64_t>::max()); threads != cache.threads) {
    cache.entries.clear();
    cache.threads = threads;
  }
  auto it = cache.entries.find(key);
  if (it != cache.entries.end()) {
    ++cache.hits;
    return it->second;
  }
  ++cache.misses;
  if (cache.entries.size() >= kMaxEntries) cache.entries.clear();
  OmpThreads made_for(cache.threads);  // oneDNN reads the count when the primitive is made
  return cache.entries.emplace(key, make()).first->second;
}

dnnl::memory unbound(const dnnl::memory::desc& md) { return dnnl::memory(md, engine(), DNNL_MEMORY_NONE); }

void execute(CachedPrimitive& p, std::initializer_list<std::pair<int, const float*>> buffers) {
  if (p.elements < 0) {
    p.elements = 0;
    for (const auto& [id, memory] : p.args)
      p.elements = std::max<int64_t>(p.elements, memory.get_desc().get_size() / sizeof(float));
  }
  TeamScope team(p.elements);  // small tensors or a busy machine: fewer threads
  // oneDNN takes a void* for inputs and outputs alike; inputs are only read.
  for (auto [id, ptr] : buffers) p.args.at(id).set_data_handle(const_cast<float*>(ptr));
  execute_aligned(p.primitive, p.args);
  stream().wait();
}

dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims) {
  dnnl::memory::dims d(dims.begin(), dims.end()), strides(d.size(), 1);
  for (size_t i = d.size(); i-- > 1;) strides[i - 1] = strides[i] * d[i];
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, strides);
}

}  // namespace dnnl_detail

PrimitiveCacheStats primitive_cache_stats() {
  auto& c = dnnl_detail::thread_cache();
  return {static_cast<int64_t>(c.entries.size()), c.hits, c.misses, c.threads};
}

void clear_primitive_cache() {
  auto& c = dnnl_detail::thread_cache();
  c.entries.clear();
  c.hits = c.misses = 0;
}

}  // namespace ember::kernels
