#!/usr/bin/env bash
# Side-by-side timing of stable-diffusion.cpp and FlowStudio on SD3.5-medium at full size with
# random weights (issue 20's targets), on this machine, measured the same way:
#
#   512x512, Euler, CFG 4.5, T5 absent, `--steps` sampling steps (2), `--threads` threads (2).
#
# sd.cpp runs `sd-cli` on the files Tests/Reference/make_random_sd3_files.py writes (f16 weights,
# then each extra --type, e.g. q8_0, which sd.cpp quantizes while loading) and its -v log is read
# phase by phase. sd.cpp loads each model's weights lazily, on first use, so the loading is taken
# out: a step is the median of the steps after the first ("N/N - S s/it"; step 1 holds the
# MM-DiT's load, so use --steps 3 or more for two clean steps); CLIP-L + CLIP-G is the last
# "computing condition graph completed" (the empty negative prompt's: both CLIPs, weights already
# resident; with CFG sd.cpp encodes prompt and negative prompt, as FlowStudio does); the VAE decode
# is "decode_first_stage completed" less the VAE's load. FlowStudio runs `flowstudio bench
# generate --family sd3.5-medium --size 512x512 --no-t5 --json` (its own random weights of the same
# shapes, generated in memory: no loading in its figures; CLIP-L + CLIP-G = one encode of each).
# Peak RSS of each run comes from /usr/bin/time -v. `uptime` is recorded before and after every
# run: the numbers mean something only on an otherwise idle machine (the ratio is the figure to
# quote, and only when both ran at the same load).
#
# Usage:
#   Tests/Reference/bench_sdcpp.sh SD_CLI [--big DIR] [--flowstudio BIN] [--steps N]
#       [--threads N] [--types "f16 q8_0"] [--logs DIR] [--no-flowstudio] [--no-sdcpp]
#       [--fs-args "--precision bfloat16"]
#
#   SD_CLI         stable-diffusion.cpp's CLI binary (sd-cli; older builds call it sd)
#   --big          folder with sd3.5_medium.safetensors, clip_l.safetensors, clip_g.safetensors
#                  (default /work/big)
#   --flowstudio   FlowStudio release binary (default .build/release/flowstudio)
#   --types        sd.cpp weight types to run, "f16" meaning the file's own (default "f16 q8_0")
#   --logs         where the raw logs and summary.json go (default /tmp/sdcpp-bench)
#   --fs-args      extra arguments for `flowstudio bench generate` (quoted)
#
# Needs python3 (standard library only) for the parsing. Runs everything under `nice`.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

[[ $# -ge 1 ]] || usage
[[ $1 == -h || $1 == --help ]] && usage 0
SD=$1; shift
BIG=/work/big
FS=.build/release/flowstudio
STEPS=2
THREADS=2
TYPES="f16 q8_0"
LOGS=/tmp/sdcpp-bench
RUN_FS=1
RUN_SD=1
FS_ARGS=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --big) BIG=$2; shift 2 ;;
        --flowstudio) FS=$2; shift 2 ;;
        --steps) STEPS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --types) TYPES=$2; shift 2 ;;
        --logs) LOGS=$2; shift 2 ;;
        --fs-args) FS_ARGS=$2; shift 2 ;;
        --no-flowstudio) RUN_FS=0; shift ;;
        --no-sdcpp) RUN_SD=0; shift ;;
        -h|--help) usage 0 ;;
        *) echo "bench_sdcpp.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [[ $RUN_SD == 1 ]]; then
    [[ -x $SD ]] || { echo "bench_sdcpp.sh: $SD is not an executable sd.cpp CLI" >&2; exit 1; }
    for f in sd3.5_medium.safetensors clip_l.safetensors clip_g.safetensors; do
        [[ -f $BIG/$f ]] || { echo "bench_sdcpp.sh: $BIG/$f is missing; write it with Tests/Reference/make_random_sd3_files.py --out $BIG" >&2; exit 1; }
    done
fi
if [[ $RUN_FS == 1 && ! -x $FS ]]; then
    echo "bench_sdcpp.sh: $FS is not executable; build it with: swift build -c release --product flowstudio (or pass --flowstudio BIN)" >&2
    exit 1
fi
[[ -x /usr/bin/time ]] || { echo "bench_sdcpp.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$LOGS"

# run NAME CMD...: runs CMD niced with /usr/bin/time -v; stdout+stderr to $LOGS/NAME.log,
# uptime before and after to $LOGS/NAME.uptime.
run() {
    local name=$1; shift
    echo "== $name: $*" >&2
    uptime > "$LOGS/$name.uptime"
    local rc=0
    /usr/bin/time -v nice -n 5 "$@" > "$LOGS/$name.log" 2>&1 || rc=$?
    uptime >> "$LOGS/$name.uptime"
    if [[ $rc != 0 ]]; then
        echo "bench_sdcpp.sh: $name failed (exit $rc); the end of $LOGS/$name.log:" >&2
        tail -20 "$LOGS/$name.log" >&2
        exit 1
    fi
}

RUNS=()
if [[ $RUN_SD == 1 ]]; then
    for type in $TYPES; do
        args=(-m "$BIG/sd3.5_medium.safetensors" --clip_l "$BIG/clip_l.safetensors" --clip_g "$BIG/clip_g.safetensors"
              -p "a cat" --cfg-scale 4.5 --sampling-method euler --steps "$STEPS" -W 512 -H 512
              -t "$THREADS" -s 42 -o "$LOGS/sdcpp-$type.png" -v)
        [[ $type != f16 ]] && args+=(--type "$type")
        run "sdcpp-$type" "$SD" "${args[@]}"
        RUNS+=("sdcpp-$type")
    done
fi
if [[ $RUN_FS == 1 ]]; then
    # shellcheck disable=SC2086  # FS_ARGS is a list of words on purpose
    run flowstudio "$FS" bench generate --family sd3.5-medium --size 512x512 --no-t5 --steps "$STEPS" \
        --cfg 4.5 --threads "$THREADS" --json $FS_ARGS
    RUNS+=(flowstudio)
fi

python3 - "$LOGS" "$STEPS" "${RUNS[@]}" <<'PYTHON'
import json, re, statistics, sys

logs, steps, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def read(name, ext):
    with open(f"{logs}/{name}.{ext}", errors="replace") as f:
        return f.read()


def peak_rss_mb(text):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(m.group(1)) / 1024 if m else None


def load(text):
    return [float(x) for x in re.findall(r"load average: ([\d.]+)", text)]


def sdcpp_numbers(text):
    """Phases of an sd-cli -v log. sd.cpp loads each model's weights lazily, on its first use, so
    the loading ("loading tensors completed, taking S") is taken out of the phase it falls in."""
    phase, loads = "condition", {"condition": 0.0, "sampling": 0.0, "decode": 0.0}
    graphs, each, r = [], [], {}
    for line in text.replace("\r", "\n").splitlines():
        if "generating image:" in line:
            phase = "sampling"
        elif "sampling completed" in line:
            phase = "decode"
            r["sampling_s"] = float(re.search(r"taking ([\d.]+)s", line).group(1))
        if m := re.search(r"loading tensors completed, taking ([\d.]+)s", line):
            loads[phase] += float(m.group(1))
        if m := re.search(r"computing condition graph completed, taking (\d+) ms", line):
            graphs.append(int(m.group(1)) / 1000)
        if m := re.search(r"(\d+)/(\d+) - ([\d.]+)(s/it|it/s)", line):
            value = float(m.group(3))
            each.append(value if m.group(4) == "s/it" else 1 / value)
        if m := re.search(r"get_learned_condition completed, taking ([\d.]+)s", line):
            r["condition_s"] = float(m.group(1))
        if m := re.search(r"decode_first_stage completed, taking ([\d.]+)s", line):
            r["decode_with_load_s"] = float(m.group(1))
        if m := re.search(r"generate_image completed in ([\d.]+)s", line):
            r["total_s"] = float(m.group(1))
    if "sampling_s" not in r:
        return None
    r["load_s"] = loads
    r["step_s_each"] = each
    # Step 1 includes the MM-DiT's lazy load (and sd.cpp prints it as 0 s/it when it has no start
    # time); the steps after it are clean.
    clean = [t for t in each[1:] if t > 0]
    r["step_s"] = statistics.median(clean) if clean else (r["sampling_s"] - loads["sampling"]) / len(each or [1])
    # The last condition graph is the negative prompt's: both CLIPs, weights already resident.
    r["clips_one_prompt_s"] = graphs[-1] if graphs else None
    if "decode_with_load_s" in r:
        r["decode_s"] = r["decode_with_load_s"] - loads["decode"]
    return r


results = {}
for name in runs:
    text = read(name, "log")
    r = {"peak_rss_mb": peak_rss_mb(text), "load_1min_before_after": load(read(name, "uptime"))}
    if name.startswith("sdcpp"):
        numbers = sdcpp_numbers(text)
        if numbers is None:
            sys.exit(f"bench_sdcpp.sh: no 'sampling completed' line in {logs}/{name}.log: did sd.cpp run?")
        r.update(numbers)
    else:
        obj = next((json.loads(l) for l in reversed(text.splitlines()) if l.startswith("{") and "ms_step_median" in l), None)
        if obj is None:
            sys.exit(f"bench_sdcpp.sh: no JSON line in {logs}/{name}.log")
        clip_l, clip_g = obj.get("ms CLIP-L encode (77 tokens)"), obj.get("ms CLIP-G encode (77 tokens)")
        r.update(
            step_s=obj["ms_step_median"] / 1000, step_s_each=[ms / 1000 for ms in obj["ms_steps"]],
            clip_l_s=clip_l / 1000, clip_g_s=clip_g / 1000, clips_one_prompt_s=(clip_l + clip_g) / 1000,
            decode_s=obj["ms_decode"] / 1000, precision=obj.get("precision"), threads=obj.get("threads"),
        )
    results[name] = r

fmt = lambda v: "-" if v is None else f"{v:.2f}"
print(f"\nSD3.5-medium, 512x512, Euler, CFG 4.5, no T5, {steps} steps; seconds, weights loading excluded")
print(f"{'run':16} {'s/step':>8} {'CLIP L+G':>9} {'VAE dec':>8} {'peak MB':>8}  load average before -> after")
for name, r in results.items():
    la = r["load_1min_before_after"]
    print(f"{name:16} {fmt(r['step_s']):>8} {fmt(r['clips_one_prompt_s']):>9} {fmt(r.get('decode_s')):>8} "
          f"{fmt(r['peak_rss_mb']):>8}  {' -> '.join(f'{x:.2f}' for x in la)}")
for name, r in results.items():
    if name.startswith("sdcpp"):
        print(f"  {name}: steps {', '.join(fmt(t) for t in r['step_s_each'])} s/it (step 1 holds the lazy load of "
              f"{r['load_s']['sampling']:.1f} s); conditioning with CFG (prompt + negative, incl. {r['load_s']['condition']:.1f} s "
              f"loading) {fmt(r.get('condition_s'))} s; whole run {fmt(r.get('total_s'))} s")
fs = results.get("flowstudio")
if fs:
    print(f"  flowstudio: steps {', '.join(fmt(t) for t in fs['step_s_each'])} s; CLIP-L {fs['clip_l_s']:.2f} s + CLIP-G "
          f"{fs['clip_g_s']:.2f} s ({fs['precision']}, {fs['threads']} threads)")
    print("\nsd.cpp seconds / FlowStudio seconds (> 1: FlowStudio is faster):")
    for name, r in results.items():
        if name == "flowstudio":
            continue
        ratios = {k: r[k] / fs[k] for k in ("step_s", "clips_one_prompt_s", "decode_s") if r.get(k) and fs.get(k)}
        print(f"  {name:14} step {fmt(ratios.get('step_s'))}   CLIP-L + CLIP-G {fmt(ratios.get('clips_one_prompt_s'))}   "
              f"VAE decode {fmt(ratios.get('decode_s'))}")
        r["ratio_vs_flowstudio"] = ratios
with open(f"{logs}/summary.json", "w") as f:
    json.dump({"steps": steps, "runs": results}, f, indent=1, sort_keys=True)
print(f"\nlogs and summary.json in {logs}")
PYTHON
