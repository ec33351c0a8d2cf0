#!/usr/bin/env bash
# ThreadSanitizer run of tests/test_concurrency (and of test_threads' shared
# back-off state): configures a TSan build in
# build-tsan/ (or $EMBER_TSAN_BUILD_DIR), builds the library and that one
# suite, and runs it. A data race fails the run (halt_on_error).
#
# libgomp and libdnnl are not instrumented: a race inside them would go
# unseen, and their synchronisation cannot be seen, so an OpenMP team they
# fork would be reported falsely. OMP_NUM_THREADS=1 keeps every std::thread on
# its own (the suite also sets one OpenMP thread per thread under TSan).
# tests/tsan.supp lists, with reasons, the reports that are not ember's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${EMBER_TSAN_BUILD_DIR:-$root/build-tsan}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_SANITIZE=thread \
  -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target test_concurrency test_threads
export OMP_NUM_THREADS=1
export TSAN_OPTIONS="suppressions=$root/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# GCC 12's TSan cannot map its shadow memory when the kernel randomises mmap
# with more bits than it expects ("FATAL: ThreadSanitizer: unexpected memory
# mapping"); setarch -R runs the suite without address randomisation.
setarch "$(uname -m)" -R "$build/tests/test_concurrency" "$@"
# The busy-machine back-off's process-wide state, met by several threads at once.
setarch "$(uname -m)" -R "$build/tests/test_threads" --gtest_filter='Threads.ManyThreads*'
