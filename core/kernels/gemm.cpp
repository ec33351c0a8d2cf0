#include "core/kernels/gemm.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>

#include "core/error.h"
#include "core/kernels/team.h"

namespace ember::kernels {

void gemm(const float* a, bool a_t, const float* b, bool b_t, const float* bias, float* c, int64_t m,
          int64_t k, int64_t n) {
  if (m == 0 || n == 0) return;
  // With a bias, start every row at it and let sgemm accumulate onto it (beta = 1).
  // Without one, beta = 0: sgemm writes c without reading it (BLAS's rule), so no zero fill.
  for (int64_t i = 0; bias && i < m; ++i) std::copy_n(bias, n, c + i * n);
  if (k == 0) {  // an empty sum: only the bias (or zeros) is left
    if (!bias) std::fill_n(c, m * n, 0.0f);
    return;
  }
  int64_t lda = a_t ? m : k, ldb = b_t ? k : n;
  TeamScope team(m * n * k, 64 * kParallelGrain);  // a small product or a busy machine: fewer threads
  dnnl_status_t status =
      dnnl_sgemm(a_t ? 'T' : 'N', b_t ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, bias ? 1.0f : 0.0f, c, n);
  if (status != dnnl_success)
    fail("gemm: oneDNN sgemm failed with status ", static_cast<int>(status), " (m=", m, ", k=", k, ", n=", n,
         ")");
}

}  // namespace ember::kernels
