#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time. Usage (from anywhere):
#   bash Tests/Fuzz/run.sh TARGET SECONDS     fuzz TARGET (see Package.swift) for SECONDS
#   bash Tests/Fuzz/run.sh TARGET FILE...     run the target once on each FILE (replay a reproducer)
#   bash Tests/Fuzz/run.sh --build            only build every target
# Builds the fuzz package first if needed (.build-fuzz/, release, -sanitize=fuzzer,address);
# FUZZ_NO_BUILD=1 skips that (CI builds once with --build, then runs every target); FUZZ_SCRATCH=DIR
# builds into DIR instead (to rebuild while binaries in .build-fuzz are running).
# Fuzzing starts from the committed seeds (corpus/TARGET) and regression inputs
# (regressions/TARGET, each a crash found and fixed: every run replays them first), writes the
# new corpus to a temporary directory, and exits non-zero on a crash, leak, timeout (10 s per
# input) or out-of-memory (2 GB), keeping the reproducer in .build-fuzz/artifacts/TARGET/.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SCRATCH="${FUZZ_SCRATCH:-$ROOT/.build-fuzz}"  # FUZZ_SCRATCH: another build folder (e.g. while other targets run)
export SWIFT_BACKTRACE=enable=no  # libFuzzer prints the stack; Swift's backtracer would wait for it
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$HERE/lsan.supp:print_suppressions=0}"

build() {
    local status
    set +e
    nice swift build --package-path "$HERE" --scratch-path "$SCRATCH" -c release \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -g -Xcc -fsanitize=fuzzer-no-link,address 2>&1 |
        grep -vE "ld.gold: warning: Cannot export local symbol|^\[[0-9]+/[0-9]+\]"
    status=${PIPESTATUS[0]}
    set -e
    # A failed build must stop here: the binaries left in .build-fuzz would be stale.
    [[ $status -eq 0 ]] || { echo "fuzz: the build failed (exit $status)" >&2; exit 2; }
}

if [[ "${1:-}" == --build ]]; then build; exit 0; fi
[[ $# -ge 2 ]] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
target="$1"; shift
[[ -d "$HERE/Sources/$target" ]] || { echo "fuzz: no target $target (see $HERE/Sources)" >&2; exit 2; }

# The largest input each target is given, and its dictionary.
case "$target" in
    FuzzSafeTensorsHeader) max_len=16384; dict=json ;;
    FuzzDemoModelDescription) max_len=16384; dict=json ;;
    FuzzDiffusersConfig) max_len=4096; dict=json ;;
    FuzzPNGParameters) max_len=8192; dict=png ;;
    FuzzFavorites) max_len=16384; dict=json ;;
    FuzzTheme) max_len=8192; dict=toml ;;
    FuzzCLIPVocabMerges|FuzzTokenizerJSON) max_len=65536; dict=json ;;
    FuzzT5SentencePiece) max_len=65536; dict="" ;;
    FuzzSD3Configs) max_len=4096; dict=json ;;
    FuzzShardedIndex) max_len=16384; dict=json ;;
    FuzzGGUF) max_len=16384; dict=gguf ;;
    FuzzSD3Folder|FuzzRecentModels|FuzzCLIPTokenizerFolder) max_len=8192; dict=json ;;
    FuzzSD3Checkpoint) max_len=65536; dict=json ;;
    FuzzPromptText) max_len=8192; dict="" ;;
    *) max_len=16384; dict="" ;;
esac

[[ "${FUZZ_NO_BUILD:-}" == 1 ]] || build
binary="$SCRATCH/release/$target"
options=(-timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1)
[[ -n "$dict" ]] && options+=(-dict="$HERE/dict/$dict.dict")
artifacts="$SCRATCH/artifacts/$target"
mkdir -p "$artifacts"
options+=(-artifact_prefix="$artifacts/")

if [[ "$1" =~ ^[0-9]+$ ]]; then
    seconds="$1"
    work="$(mktemp -d)"
    corpora=("$work" "$HERE/corpus/$target")
    [[ -d "$HERE/regressions/$target" ]] && corpora+=("$HERE/regressions/$target")
    echo "fuzz: $target for ${seconds}s (new inputs in $work, reproducers in $artifacts)" >&2
    set +e
    nice "$binary" "${options[@]}" -max_total_time="$seconds" "${corpora[@]}"
    rc=$?
    set -e
    if (( rc != 0 )); then
        echo "fuzz: $target FAILED (exit $rc); reproducer: $(ls -t "$artifacts" | head -1 | sed "s|^|$artifacts/|")" >&2
        echo "fuzz: replay with: bash Tests/Fuzz/run.sh $target FILE" >&2
        exit "$rc"
    fi
    echo "fuzz: $target ok ($(ls "$work" | wc -l) new corpus inputs in $work)" >&2
else
    "$binary" "${options[@]}" "$@"
fi
