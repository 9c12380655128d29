#!/usr/bin/env bash
# Fuzz one nnfast reader with libFuzzer (+ AddressSanitizer) for SECONDS:
#   tools/fuzz.sh TARGET SECONDS [extra libFuzzer flags…]     TARGET: idx | pgm | png | nnw
# Builds Fuzz/Harness.swift with the NNFast sources (checksums off, as in OSS-Fuzz builds),
# seeds a working corpus (.build/fuzz/corpus/TARGET) from Fuzz/seeds/TARGET, the matching
# Fixtures/ files and Fixtures/fuzz-regressions/TARGET, then runs. Exits non-zero on any crash,
# leak, timeout (10 s per input) or out-of-memory (RSS over 1 GB); the input that did it is left
# in .build/fuzz/artifacts/TARGET/ — copy it to Fixtures/fuzz-regressions/TARGET/ so the test
# suite replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: tools/fuzz.sh idx|pgm|png|nnw SECONDS}
seconds=${2:?usage: tools/fuzz.sh idx|pgm|png|nnw SECONDS}
shift 2
case "$target" in
    idx) max_len=8192;  fixtures=(Fixtures/corrupt-idx/not-gzip-not-idx.gz Fixtures/corrupt-idx/header-claims-terabytes.gz) ;;
    pgm) max_len=4096;  fixtures=(Fixtures/corrupt/*.pgm Fixtures/digits/transformed/*.pgm) ;;
    png) max_len=20000; fixtures=(Fixtures/corrupt/*.png Fixtures/digits/transformed/*.png) ;;
    nnw) max_len=16384; fixtures=(Fixtures/corrupt/empty.nnw) ;;
    *) echo "fuzz.sh: unknown target '$target' (idx, pgm, png or nnw)" >&2; exit 64 ;;
esac

out=.build/fuzz
binary=$out/nnfast-fuzz
mkdir -p "$out"
sources=(Sources/NNFast/*/*.swift Sources/NNFast/*.swift Fuzz/Harness.swift)
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" -newer "$binary" | head -1)" ]; then
    echo "fuzz.sh: building the harness (swiftc -sanitize=fuzzer,address)"
    defines=(-D FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
    grep -q ' avx512f' /proc/cpuinfo && defines+=(-D NNFAST_WIDE_TILE)
    swiftc -sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -module-name NNFastFuzz \
        -target-cpu native "${defines[@]}" -I Sources/CNNFastZlib -I Sources/CNNFastMath \
        "${sources[@]}" -o "$binary" 2>&1 | grep -v "Cannot export local symbol" || true
    [ -x "$binary" ] || { echo "fuzz.sh: build failed" >&2; exit 1; }
fi

corpus=$out/corpus/$target
artifacts=$out/artifacts/$target
mkdir -p "$corpus" "$artifacts"
cp -n Fuzz/seeds/"$target"/* "$corpus"/
for file in "${fixtures[@]}" Fixtures/fuzz-regressions/"$target"/*; do
    [ -f "$file" ] && cp -n "$file" "$corpus"/ || true
done

echo "fuzz.sh: $target for $seconds s ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
set +e
NNFAST_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 "$binary" "$corpus" \
    -max_total_time="$seconds" -max_len=$max_len -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=1024 \
    -dict=Fuzz/dictionaries/$target.dict -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" 2>"$out/$target.log"
status=$?
set -e
grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|cov:" "$out/$target.log" | tail -4
if [ $status -ne 0 ]; then
    grep -E "ERROR|SUMMARY|Test unit written" "$out/$target.log" | head -5
    echo "fuzz.sh: $target FAILED (exit $status); the input is in $artifacts/, full log $out/$target.log"
    exit $status
fi
echo "fuzz.sh: $target: no crash, leak, timeout or out-of-memory"
