#!/usr/bin/env bash
# Checks the graceful-stop and crash-safety bars on a release build, with real MNIST:
#   1. SIGINT during an epoch: exit 130 within 2 s, a loadable checkpoint, and the printed
#      resume command completes the run (the default recipe, and a wide network);
#   2. KILLS random `kill -9`s of a training run (saving a ~20 MB checkpoint every epoch):
#      every model file left behind loads;
#   3. a full disk at a save (a small tmpfs; needs root, skipped otherwise) and a read-only
#      folder: one line naming the path, and the earlier file unchanged.
# Usage: tools/check_stops.sh [KILLS]   (default 50). Exits non-zero if any bar is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
kills=${1:-50}
swift build -c release --static-swift-stdlib >/dev/null || exit 1
nnfast=$PWD/.build/release/nnfast
work=$(mktemp -d /tmp/nnfast-stops-XXXXXX)
trap 'umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
now() { date +%s.%N; }

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "== 1. SIGINT during an epoch"
for recipe in "--epochs 30" "--layers 784,1200,1200,10 --epochs 4"; do
    out="$work/stopped.nnw"; rm -f "$out"
    $nnfast train $recipe --out "$out" >"$work/stdout" 2>"$work/stderr" &
    pid=$!
    sleep 2.5
    sent=$(now); kill -INT $pid; wait $pid; status=$?; took=$(echo "$(now) - $sent" | bc)
    command=$(sed -n 's/^nnfast: resume with: //p' "$work/stderr")
    echo "  $recipe: exit $status after $(printf %.3f "$took") s; $(grep -h 'stopped at' "$work/stderr")"
    [ "$status" = 130 ] || fail "exit $status, not 130"
    (( $(echo "$took < 2" | bc) )) || fail "took $took s to stop"
    $nnfast info "$out" >/dev/null || fail "the checkpoint does not load"
    [ -n "$command" ] || fail "no resume command printed"
    PATH="$(dirname "$nnfast"):$PATH" sh -c "$command --quiet" >"$work/resumed" 2>&1 || fail "the resume command failed: $(cat "$work/resumed")"
    echo "  resumed: $(tail -1 "$work/resumed")"
done

echo "== 2. $kills random kill -9s (784-1200-1200-10: a 19 MB checkpoint saved every epoch)"
out="$work/killed.nnw"; rm -f "$out"
loaded=0; absent=0; midsave=0
for ((i = 1; i <= kills; i++)); do
    $nnfast train --layers 784,1200,1200,10 --epochs 50 --out "$out" --quiet >/dev/null 2>&1 &
    pid=$!
    sleep "$(python3 -c 'import random; print(random.uniform(0.3, 8.0))')"
    [ -e "$(dirname "$out")/.killed.nnw.tmp-$pid" ] && midsave=$((midsave + 1))
    kill -9 $pid; wait $pid 2>/dev/null
    if [ ! -e "$out" ]; then absent=$((absent + 1)); continue; fi
    if $nnfast info "$out" >/dev/null 2>"$work/err"; then loaded=$((loaded + 1)); else fail "kill $i left a file that does not load: $(cat "$work/err")"; fi
done
echo "  $kills kills: $loaded files loaded, $absent before the first save, $midsave seen killed while a save was under way"

echo "== 2b. 10 kill -9s the moment a save has started (its temporary file exists)"
caught=0
for ((i = 1; i <= 10; i++)); do
    $nnfast train --layers 784,1200,1200,10 --epochs 50 --out "$out" --quiet >/dev/null 2>&1 &
    pid=$!
    temporary="$(dirname "$out")/.killed.nnw.tmp-$pid"
    while kill -0 $pid 2>/dev/null && [ ! -e "$temporary" ]; do :; done
    kill -9 $pid; wait $pid 2>/dev/null
    [ -e "$temporary" ] && caught=$((caught + 1))
    $nnfast info "$out" >/dev/null 2>"$work/err" || fail "a kill mid-save left a file that does not load: $(cat "$work/err")"
done
left=$(ls -A "$(dirname "$out")" | grep -c '^\.killed\.nnw\.tmp-' || true)
echo "  10 kills: $caught with a half-written temporary file beside it; $out loaded after every one; $left temporary file(s) left (a later save removes them)"

echo "== 3. a full disk and a read-only folder"
mkdir -p "$work/full"
if mount -t tmpfs -o size=700k tmpfs "$work/full" 2>/dev/null; then
    cp Fixtures/models/mnist-784-100-200-10.nnw "$work/full/m.nnw"
    before=$(md5sum <"$work/full/m.nnw")
    $nnfast train --epochs 1 --out "$work/full/m.nnw" --quiet >/dev/null 2>"$work/err"; status=$?
    echo "  full disk: exit $status: $(cat "$work/err")"
    [ "$status" = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "m.nnw" "$work/err" || fail "full disk not reported as one line naming the file"
    [ "$(md5sum <"$work/full/m.nnw")" = "$before" ] || fail "the earlier model changed"
    [ -z "$(ls -A "$work/full" | grep tmp)" ] || fail "a temporary file was left behind"
    mount -o remount,ro "$work/full"
    $nnfast train --epochs 1 --out "$work/full/m.nnw" --quiet >/dev/null 2>"$work/err"; status=$?
    echo "  read-only folder: exit $status: $(cat "$work/err")"
    [ "$status" = 1 ] && grep -q "m.nnw" "$work/err" || fail "read-only folder not reported"
    [ "$(md5sum <"$work/full/m.nnw")" = "$before" ] || fail "the earlier model changed"
else
    echo "  skipped (mounting a tmpfs needs root)"
fi
[ "$failures" = 0 ] && echo "all stop and crash bars met" || echo "$failures failure(s)"
exit $((failures > 0))
