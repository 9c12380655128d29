#!/usr/bin/env bash
# The whole test suite again under AddressSanitizer and under ThreadSanitizer, each in its own
# build folder (.build/sanitize-NAME). CI runs this after `swift test`.
#   tools/sanitizers.sh [address] [thread]     (default: both)
# Any finding aborts the process that made it (halt_on_error), so its test fails: memory
# errors in the library, the tests and the nnfast binary the CLI tests run; data races in the
# worker pool, the GEMM's tiling and the parallel loaders. Leak detection is off here: the
# test runners (XCTest, swift-testing) keep objects alive in statics that LeakSanitizer counts
# at exit; leaks in the readers are caught by the fuzzers (tools/fuzz.sh), which check them.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)
for sanitizer in "${sanitizers[@]}"; do
    scratch=.build/sanitize-$sanitizer
    echo "sanitizers.sh: building the tests with --sanitize=$sanitizer"
    swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" 2>&1 \
        | grep -v "Cannot export local symbol" | grep -E "error|warning: unre|Build complete" || true
    echo "sanitizers.sh: running the tests under $sanitizer"
    started=$(date +%s)
    set +e
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 TSAN_OPTIONS=halt_on_error=1 \
        swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" > "$scratch/test.log" 2>&1
    status=$?
    set -e
    grep -E "^(✘|✔ Test run)|SUMMARY: |WARNING: ThreadSanitizer" "$scratch/test.log" | head -20
    echo "sanitizers.sh: $sanitizer: exit $status after $(( $(date +%s) - started )) s"
    [ "$status" = 0 ] || exit "$status"
done
