#!/usr/bin/env bash
# One command for a machine with a real GPU (e.g. a lent NVIDIA card): builds, runs the GPU
# tests, then the render benchmark at 1920x1080 on the torso phantom and, when given, on a
# study folder; prints one JSON line per figure on stdout (build and test logs go to stderr).
#
#   bash examples/gpu_check.sh [STUDY_DIR]
#
# Needs no display: the tests it runs render offscreen. PETCT_REQUIRE_GPU=1 makes a missing
# adapter a failure rather than a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export PETCT_REQUIRE_GPU=1
study="${1:-}"

json_line() { printf '{"figure": "%s", %s}\n' "$1" "$2"; }

start=$(date +%s)
if cargo build --release --locked --examples --tests >&2; then
    json_line build "\"ok\": true, \"seconds\": $(( $(date +%s) - start ))"
else
    json_line build "\"ok\": false"
    exit 1
fi

for test in gpu_render device_loss shaders; do
    t0=$(date +%s)
    if out=$(cargo test --release --locked --test "$test" 2>&1); then ok=true; else ok=false; fi
    echo "$out" >&2
    summary=$(echo "$out" | grep -E '^test result:' | tail -1 | sed 's/"/\\"/g')
    json_line "test_$test" "\"ok\": $ok, \"seconds\": $(( $(date +%s) - t0 )), \"summary\": \"$summary\""
done

bench() {
    ./target/release/examples/render_bench --sizes 1920x1080 --frames 36 --ess on "$@" \
        | sed 's/^{/{"figure": "render_1920x1080", /'
}
bench
if [ -n "$study" ]; then
    bench "$study"
fi
