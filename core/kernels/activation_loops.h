// OpenMP loops for the activations (or halves of them) that oneDNN 2.6 lacks,
// or whose oneDNN form follows a different convention at a kink than PyTorch,
// or where one fused pass beats a chain of primitives. Each is a plain
// forward/backward pair over raw arrays, like llm.c's gelu_forward /
// gelu_backward; the kink conventions are PyTorch's and are spelt out at each.
#pragma once

#include <cstdint>

namespace ember::kernels {

// --- relu and hardtanh family: NaN-preserving forwards ---------------------------------
// oneDNN 2.6's relu (alpha = 0) and clip_v2 turn NaN into 0 (they use max/min
// instructions); PyTorch keeps NaN. These loops keep it, at oneDNN's speed on
// large arrays — 1M floats, 1 thread: relu 294 µs vs oneDNN 291 µs, clip 315 vs
// 299 µs (memory-bound either way; /tmp bench, see docs/activations.md).
/// y = x < 0 ? 0 : x (NaN stays NaN).
void relu_forward(const float* x, float* y, int64_t n);
/// y = x < lo ? lo : x > hi ? hi : x (NaN stays NaN).
void hardtanh_forward(const float* x, float* y, int64_t n, float lo, float hi);
/// dx = y <= 0 ? 0 : dy, from relu's output (PyTorch's threshold_backward:
/// NaN passes dy). oneDNN's relu backward is 3x slower on one thread.
void relu_backward(const float* y, const float* dy, float* dx, int64_t n);
/// dx = v > 0 ? dy : slope·dy, where v is the input or, for slope >= 0, the output.
void leaky_relu_backward(const float* v, const float* dy, float* dx, int64_t n, float slope);
/// dx = x <= lo || x >= hi ? 0 : dy (0 at both bounds, PyTorch's hardtanh_backward).
void hardtanh_backward(const float* x, const float* dy, float* dx, int64_t n, float lo, float hi);
/// y = min(max(x + 3, 0), 6) / 6, PyTorch's formula and rounding.
void hardsigmoid_forward(const float* x, float* y, int64_t n);
/// dx = −3 < x < 3 ? dy/6 : 0.
void hardsigmoid_backward(const float* x, const float* dy, float* dx, int64_t n);
/// The tutorial's parametrised form: y = clamp((x + bias)/divisor, lo, hi) — the default
/// (3, 6, 0, 1) takes the loop above. NaN stays NaN.
void hardsigmoid_forward(const float* x, float* y, int64_t n, float bias, float divisor, float lo, float hi);
/// dx = lo < y < hi ? dy/divisor : 0, from the output: y is strictly inside (lo, hi)
/// exactly where (x + bias)/divisor is, so the input may be gone (0 at the kinks, as above).
void hardsigmoid_backward_from_output(const float* y, const float* dy, float* dx, int64_t n, float divisor,
                                      float lo, float hi);
/// PyTorch's elu_backward from the result (its in-place elu_, celu_, selu_):
/// dx = y <= 0 ? dy·input_scale·(y + scale·alpha) : dy·scale. Right only for alpha >= 0,
/// where y <= 0 exactly where x <= 0.
void elu_backward_from_output(const float* y, const float* dy, float* dx, int64_t n, float alpha, float scale,
                              float input_scale);
/// dx = dy·(x < −3 ? 0 : x < 3 ? x/3 + 1/2 : 1): −1/2 at −3 and 1 at 3, what
/// PyTorch 1.13's vectorised CPU kernel returns (its scalar tail loop, used for
/// the last few elements only, returns 3/2 at 3); oneDNN 2.6 gives 0 and 1.
void hardswish_backward(const float* x, const float* dy, float* dx, int64_t n);

// --- softplus and logsigmoid -------------------------------------------------------
// oneDNN's soft_relu and logsigmoid are off by up to 8e-6 in absolute terms in
// the tail where the value is tiny (its log polynomial near 1; soft_relu even
// turns slightly negative). There the value is log1p(u) with u = e^(βx) (or
// e^(−x)) below e⁻⁵, and four terms of log1p's series are exact to 4e-10
// relative. u comes from oneDNN's exp primitive; every loop here vectorises.
/// Finishes softplus after oneDNN's soft_relu put ln(1 + e^(βx)) in y:
/// y = βx > threshold ? x : y/β. Returns whether some βx < −5 needs softplus_tail.
bool softplus_finish(const float* x, float* y, int64_t n, float beta, float threshold);
/// y = βx < −5 ? log1p(u)/β : y, with u = e^(βx).
void softplus_tail(const float* x, const float* u, float* y, int64_t n, float beta);
/// Whether some x > 5 needs logsigmoid_tail.
bool logsigmoid_needs_tail(const float* x, int64_t n);
/// y = x > 5 ? −log1p(u) : y, with u = e^(−x).
void logsigmoid_tail(const float* x, const float* u, float* y, int64_t n);
/// Finishes the backward after oneDNN put σ(βx)·dy in dx: dx = βx > threshold ? dy : dx.
void softplus_backward_finish(const float* x, const float* dy, float* dx, int64_t n, float beta,
                              float threshold);

// --- shrinks, threshold, softsign, tanhshrink -------------------------------------
/// y = |x| > λ ? x : 0 (0 at ±λ); dx = |x| > λ ? dy : 0.
void hardshrink_forward(const float* x, float* y, int64_t n, float lambd);
/// y = x > λ ? x − λ : x < −λ ? x + λ : 0; NaN stays NaN (PyTorch 1.13 returns 0 there).
void softshrink_forward(const float* x, float* y, int64_t n, float lambd);
/// The gradient of both shrinks: dx = |x| > λ ? dy : 0 (0 at ±λ).
void shrink_backward(const float* x, const float* dy, float* dx, int64_t n, float lambd);
/// y = x <= threshold ? value : x (PyTorch: the threshold itself is replaced).
void threshold_forward(const float* x, float* y, int64_t n, float threshold, float value);
/// dx = x <= threshold ? 0 : dy.
void threshold_backward(const float* x, const float* dy, float* dx, int64_t n, float threshold);
/// y = x / (1 + |x|);  dx = dy / (1 + |x|)².
void softsign_forward(const float* x, float* y, int64_t n);
void softsign_backward(const float* x, const float* dy, float* dx, int64_t n);
/// tanhshrink = x − tanh x, tanhshrink' = tanh² x, finished after oneDNN's
/// tanh put t = tanh x in place: y = x − t, and dx = dy·t².
void tanhshrink_finish(const float* x, float* t, int64_t n);
void tanhshrink_backward_finish(const float* dy, float* t, int64_t n);

// --- glu --------------------------------------------------------------------------------
/// x viewed as [outer, 2·half, inner]; a = first half, b = second half along the
/// middle dim; s = σ(x) over all of x (oneDNN's logistic, computed by the caller);
/// y [outer, half, inner] = a·σ(b).
void glu_forward(const float* x, const float* s, float* y, int64_t outer, int64_t half, int64_t inner);
/// da = dy·σ(b);  db = dy·a·σ(b)(1 − σ(b)).
void glu_backward(const float* x, const float* s, const float* dy, float* dx, int64_t outer, int64_t half,
                  int64_t inner);

// --- rrelu (training mode) -----------------------------------------------------------
/// `slopes` holds n draws from U(lower, upper); overwritten with the slope used:
/// the draw where x <= 0, 1 elsewhere (PyTorch's "noise"). y = x·slope.
void rrelu_forward(const float* x, float* slopes, float* y, int64_t n);

// --- prelu with one shared slope --------------------------------------------------------
// oneDNN 2.6 runs a shared (broadcast-to-all) prelu weight through a reference
// kernel: 40x slower than relu on [128, 256] (1.2 ms vs 30 µs forward+backward,
// one thread). Per-channel weights stay on the primitive, which is as fast as relu.
/// y = x > 0 ? x : w·x.
void prelu_shared_forward(const float* x, float* y, int64_t n, float w);
/// dx = x > 0 ? dy : w·dy; returns ∂/∂w = Σ (x > 0 ? 0 : x·dy).
double prelu_shared_backward(const float* x, const float* dy, float* dx, int64_t n, float w);

// --- swish with a learnable β --------------------------------------------------------
// oneDNN's eltwise_swish bakes β into the primitive; a β that an optimizer
// changes every step would create a new primitive every step, so s = σ(βx)
// comes from eltwise_forward_scaled (linear, then logistic) and loops finish.
/// y = x·s.
void swish_forward(const float* x, const float* s, float* y, int64_t n);
/// dx = dy·s(1 + βx(1 − s)).
void swish_backward(const float* x, const float* s, const float* dy, float* dx, int64_t n, float beta);
/// Σ dy·∂y/∂β over the elements, where ∂y/∂β = x²·s(1 − s).
double swish_beta_grad(const float* x, const float* s, const float* dy, int64_t n);

}  // namespace ember::kernels
