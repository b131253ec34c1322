#!/usr/bin/env bash
# The "Text classification with movie reviews" tutorial side by side in one run: ofit, Keras (the
# shared reference script, run as written) and PyTorch (torch_text_classification.py,
# EmbeddingBag(mode='mean')), each a whole process under /usr/bin/time -v, interleaved
# (ofit, keras, torch, repeated N times), then one markdown table.
#
# usage: benches/peers/text_classification.sh OFIT_BIN SPEC [N]
#   OFIT_BIN  the ofit binary (e.g. target/release/ofit); SPEC the spec (examples/text_classification.ofit)
#   N         repetitions (default 1)
# environment (defaults in brackets):
#   VENV [/work/peers-venv]       the venv setup.sh makes (tensorflow-cpu, torch, numpy)
#   IMDB_NPZ [/work/peers-data/imdb.npz]   Keras's imdb.npz (setup.sh builds it)
#   OFIT_REFERENCE [../shared/reference beside the repo]   keras_text_classification.py, imdb_data.py
#   TOOLS ["ofit keras torch"]    which to run, in this order each repetition; also torch-1t (the
#                                 PyTorch peer on 1 thread) and torch-counts (its weighted-gather
#                                 form: distinct ids with counts/256, EmbeddingBag(mode='sum'))
#   OFIT_ARGS, KERAS_ARGS, TORCH_ARGS   extra arguments (e.g. TORCH_ARGS="--form counts",
#                                 TORCH_ARGS="--threads 1", OFIT_ARGS="--only NAME")
#   WORK [a new mktemp -d]        where each process runs and leaves its output and logs (kept)
#
# Whole-process seconds and peak RSS come from /usr/bin/time -v; median epoch seconds, lowest
# validation loss and the test figures from each tool's own output: ofit's run folder
# (models/*/history.json: epochs[].seconds, the val_loss column, test), Keras's and PyTorch's
# results/*.json. Speed is only comparable within one run: keep the machine otherwise quiet.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  exit 2
fi
OFIT_BIN=$(realpath "$1"); SPEC=$(realpath "$2"); N=${3:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${VENV:-/work/peers-venv}
export IMDB_NPZ=$(realpath "${IMDB_NPZ:-/work/peers-data/imdb.npz}")
export OFIT_REFERENCE=$(realpath "${OFIT_REFERENCE:-$REPO/../shared/reference}")
TOOLS=${TOOLS:-ofit keras torch}
WORK=${WORK:-$(mktemp -d /tmp/ofit-text-peers.XXXXXX)}
PY="$VENV/bin/python"

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }
[ -f "$IMDB_NPZ" ] || { echo "no $IMDB_NPZ: run benches/peers/setup.sh" >&2; exit 1; }
[ -x "$PY" ] || { echo "no $PY: run benches/peers/setup.sh" >&2; exit 1; }
[ -f "$OFIT_REFERENCE/keras_text_classification.py" ] || { echo "no keras_text_classification.py in $OFIT_REFERENCE" >&2; exit 1; }
case " $TOOLS " in *" ofit "*) [ -x "$OFIT_BIN" ] && [ -f "$SPEC" ] || { echo "no $OFIT_BIN or $SPEC" >&2; exit 1; } ;; esac

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK" >&2
mkdir -p "$WORK"
for rep in $(seq 1 "$N"); do
  for tool in $TOOLS; do
    d="$WORK/$rep-$tool"; rm -rf "$d"; mkdir -p "$d"
    case $tool in
      ofit)  cmd=("$OFIT_BIN" run "$SPEC" --out "$d/run" ${OFIT_ARGS:-}) ;;
      keras) cmd=("$PY" "$OFIT_REFERENCE/keras_text_classification.py" ${KERAS_ARGS:-}) ;;
      torch) cmd=("$PY" "$HERE/torch_text_classification.py" ${TORCH_ARGS:-}) ;;
      torch-1t) cmd=("$PY" "$HERE/torch_text_classification.py" --threads 1 ${TORCH_ARGS:-}) ;;
      torch-counts) cmd=("$PY" "$HERE/torch_text_classification.py" --form counts ${TORCH_ARGS:-}) ;;
      *) echo "unknown tool $tool" >&2; exit 2 ;;
    esac
    echo "# [$rep/$N] $tool: ${cmd[*]}" >&2
    rc=0
    (cd "$d" && /usr/bin/time -v -o "$d/time.txt" "${cmd[@]}" >"$d/stdout.txt" 2>"$d/stderr.txt") || rc=$?
    echo "$rc" >"$d/rc"
    [ "$rc" = 0 ] || { echo "#   $tool exited $rc; see $d/stderr.txt:" >&2; tail -5 "$d/stderr.txt" >&2; }
  done
done

python3 - "$WORK" "$N" $TOOLS <<'EOF'
import glob, json, os, re, statistics, sys
work, n, tools = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def timev(d):
    t = open(os.path.join(d, 'time.txt')).read()
    wall = re.search(r'Elapsed \(wall clock\) time.*: (\S+)', t).group(1).split(':')
    s = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', t).group(1)) / 1024
    cpu = float(re.search(r'User time \(seconds\): (\S+)', t).group(1)) + float(re.search(r'System time \(seconds\): (\S+)', t).group(1))
    return s, rss, cpu

def num(v):
    return float(v)  # history.json writes NaN/Infinity as strings, which float() reads

def rows(tool, d):
    """(label, median epoch s, epochs, lowest val loss, its epoch, test loss, test accuracy) per model"""
    if tool == 'ofit':
        run = os.path.join(d, 'run')
        names = {}
        try:
            for e in json.load(open(os.path.join(run, 'run.json')))['experiments']:
                for m in e['models']:
                    names[os.path.normpath(os.path.join(run, m['folder']))] = f"{e['name']}/{m['name']}"
        except (OSError, KeyError, ValueError):
            pass
        for h in sorted(glob.glob(os.path.join(run, 'models', '*', 'history.json'))):
            folder = os.path.dirname(h)
            j = json.load(open(h))
            cols = j['columns']; eps = j['epochs']
            vl = [num(e['values'][cols.index('val_loss')]) for e in eps] if 'val_loss' in cols else []
            best = min(range(len(vl)), key=vl.__getitem__) if vl else None
            test = j.get('test') or {}
            label = names.get(os.path.normpath(folder), os.path.basename(folder)[:12])
            yield (f'ofit {label}', statistics.median(e['seconds'] for e in eps), len(eps),
                   vl[best] if vl else None, best + 1 if vl else None, test.get('loss'), test.get('accuracy'))
    else:
        f = glob.glob(os.path.join(d, 'results', '*.json'))
        if not f:
            return
        j = json.load(open(f[0]))
        label = tool if tool == 'keras' else f"torch ({j.get('form', 'mean')}, {j.get('threads')} thr)"
        yield (label, j['median_epoch_s'], len(j['history']['val_loss']), j['min_val_loss'], j['min_val_loss_epoch'],
               j['test_loss'], j['test_accuracy'])

f3 = lambda v, p=3: '—' if v is None else f'{v:.{p}f}'
print('| tool | rep | whole s | CPU s | peak RSS MiB | median epoch s | epochs | lowest val loss @ epoch | test loss | test accuracy |')
print('|---|---|---|---|---|---|---|---|---|---|')
summary = {}
for rep in range(1, n + 1):
    for tool in tools:
        d = os.path.join(work, f'{rep}-{tool}')
        rc = open(os.path.join(d, 'rc')).read().strip()
        s, rss, cpu = timev(d)
        got = list(rows(tool, d)) if rc == '0' else []
        if not got:
            print(f'| {tool} (exit {rc}) | {rep} | {s:.1f} | {cpu:.1f} | {rss:.0f} | — | — | — | — | — |')
        for label, ep, k, vl, vle, tl, ta in got:
            print(f'| {label} | {rep} | {s:.1f} | {cpu:.1f} | {rss:.0f} | {f3(ep)} | {k} | '
                  f'{f3(vl, 4)} @ {vle} | {f3(tl, 4)} | {f3(ta, 4)} |')
            summary.setdefault(label, []).append((s, ep))
if n > 1:
    print()
    print('| tool | median whole s | median of median epoch s |')
    print('|---|---|---|')
    for label, v in summary.items():
        print(f'| {label} | {statistics.median(x for x, _ in v):.1f} | {statistics.median(x for _, x in v):.3f} |')
EOF
