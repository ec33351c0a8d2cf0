// oneDNN glue shared by the kernels in core/kernels/*.cpp: one CPU engine, a
// stream per thread, and a per-thread cache of primitives keyed by (kind,
// algorithm, alpha, beta, axis, dims). Creating a primitive descriptor costs
// tens of microseconds — more than running an eltwise kernel on a small
// tensor — so each distinct configuration is created once per thread.
//
// A cache entry also keeps one dnnl::memory per argument, made without a
// buffer; a call only points them at the caller's arrays (set_data_handle),
// so a cache hit is a hash lookup plus the kernel.
//
// Thread safety: the cache and the stream are thread_local (dnnl::memory
// objects are not safe to share while their handles change); the engine is
// created once and shared, which oneDNN allows.
//
// Internal to the kernels layer, like every header in core/kernels/: nothing
// that ember.h reaches includes it (cmake/check_layers.cmake), so it is never
// installed.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ember::kernels::dnnl_detail {

/// Every kind of primitive ember caches, one value each: keys of two kernels
/// cannot collide, whatever their other fields.
enum class PrimitiveKind {
  eltwise_forward,
  eltwise_backward,
  softmax_forward,
  softmax_backward,
  prelu_forward,
  prelu_backward
};

/// What tells two primitives apart. Floats are compared by value; dims are the
/// logical shape handed to oneDNN.
struct PrimitiveKey {
  PrimitiveKind kind;
  int algorithm = 0;  // dnnl::algorithm
  float alpha = 0, beta = 0;
  int axis = 0;
  std::vector<int64_t> dims;
  bool operator==(const PrimitiveKey&) const = default;
};

/// A primitive and the memory objects bound to its arguments (DNNL_ARG_*).
struct CachedPrimitive {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> args;
  int64_t elements = -1;  ///< the largest argument's size, found on first execute()
};

dnnl::engine& engine();
dnnl::stream& stream();  ///< this thread's stream

/// The cached primitive for `key`, created by `make` on the first call (per thread).
CachedPrimitive& cached(const PrimitiveKey& key, const std::function<CachedPrimitive()>& make);

/// A memory object of this descriptor with no buffer yet (execute() sets it).
dnnl::memory unbound(const dnnl::memory::desc& md);

/// Points each argument at the caller's buffer, runs the primitive, waits.
void execute(CachedPrimitive& p, std::initializer_list<std::pair<int, const float*>> buffers);

/// A plain row-major f32 descriptor of these dims.
dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims);

}  // namespace ember::kernels::dnnl_detail
