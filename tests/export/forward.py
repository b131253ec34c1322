"""Applies an `ofit export` with numpy alone: the preprocessing of its model.json (Keras's
tokenizer rule, the word index, multi-hot rows or padded sequences; or a table's feature
columns), then each layer's forward pass in inference mode with the weights of
weights.safetensors.

    python3 forward.py EXPORT_DIR INPUTS_JSON

INPUTS_JSON is a JSON list of texts (a text model) or of records (a table's model); prints a
JSON list with the model's outputs for each (what `ofit predict` reports: the probability of
class 1 for one sigmoid unit, each class's probability for a softmax, the value of a
regression).
"""

import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file


def tokenize(text, rules):
    table = {ord(c): " " for c in rules["filters"] if ord(c) < 128}
    words = [w for w in text.lower().translate(table).split(" ") if w]
    index = {w: rules["index_from"] + 1 + i for i, w in enumerate(rules["words"])}
    ids = [rules["start"]] + [index.get(w, rules["oov"]) for w in words]
    return [i if i < rules["num_words"] else rules["oov"] for i in ids]


def read_table(records, rules):
    rows = []
    for record in records:
        row = []
        for column in rules["columns"]:
            cell = str(record[column["name"]]).strip()
            if column["read"] == "number":
                row.append(float(cell))
            elif column["read"] == "year":
                row.append(float(cell[:4]))
            else:
                names = column["categories"]
                row.extend(1.0 if name == cell else 0.0 for name in names)
        rows.append(row)
    return np.array(rows, dtype=np.float64)


def encode(inputs, rules):
    if rules["kind"] == "table":
        return read_table(inputs, rules)
    rows = [tokenize(t, rules) for t in inputs]
    encoding = rules["encoding"]
    if encoding == "multi_hot":
        x = np.zeros((len(rows), rules["num_words"]), dtype=np.float32)
        for r, ids in enumerate(rows):
            x[r, ids] = 1.0
        return x
    pad = encoding["sequence"]
    length, value = pad["length"], pad["value"]
    x = np.full((len(rows), length), value, dtype=np.int64)
    for r, ids in enumerate(rows):
        kept = ids[-length:] if pad["truncating"] == "pre" else ids[:length]
        if kept:
            if pad["padding"] == "pre":
                x[r, length - len(kept):] = kept
            else:
                x[r, : len(kept)] = kept
    return x


def activate(name, x):
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "linear":
        return x
    if name == "elu":
        return np.where(x > 0, x, np.expm1(x))
    if name == "selu":
        a, s = 1.6732632423543772, 1.0507009873554805
        return s * np.where(x > 0, x, a * np.expm1(x))
    if name == "gelu":
        erf = np.vectorize(math.erf)
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))
    if name == "softplus":
        return np.logaddexp(0.0, x)
    if name == "leaky_relu":
        return np.where(x > 0, x, 0.2 * x)
    if name == "swish":
        return x / (1.0 + np.exp(-x))
    raise SystemExit(f"activation {name} is not implemented here")


def same_padding(length, size, strides):
    """The steps Keras's `same` padding adds before and after (TensorFlow's convention)."""
    out = -(-length // strides)
    total = max((max(out, 1) - 1) * strides + size - length, 0)
    return total // 2, total - total // 2


def windows(x, size, strides, padding, fill):
    """x [batch, length, channels] -> [batch, out, size, channels], Keras's windows."""
    if padding == "same":
        before, after = same_padding(x.shape[1], size, strides)
        x = np.pad(x, ((0, 0), (before, after), (0, 0)), constant_values=fill)
    out = (x.shape[1] - size) // strides + 1
    return np.stack([x[:, t * strides : t * strides + size] for t in range(out)], axis=1)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def recurrent(kind, w, x, mask, units, return_sequences):
    """Keras's LSTM (gates i, f, c, o) or GRU (reset_after: gates z, r, h) over x
    [batch, length, inputs]; a masked step keeps the previous state and output."""
    batch, length, _ = x.shape
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    outputs = []
    for t in range(length):
        xt = x[:, t]
        if kind == "lstm":
            z = xt @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]
            i, f, g, o = np.split(z, 4, axis=1)
            c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h_new = sigmoid(o) * np.tanh(c_new)
        else:
            xz, xr, xh = np.split(xt @ w["kernel"] + w["bias"][0], 3, axis=1)
            hz, hr, hh = np.split(h @ w["recurrent_kernel"] + w["bias"][1], 3, axis=1)
            z = sigmoid(xz + hz)
            r = sigmoid(xr + hr)
            h_new = z * h + (1.0 - z) * np.tanh(xh + r * hh)
            c_new = c
        if mask is not None:
            m = mask[:, t : t + 1]
            h_new = np.where(m, h_new, h)
            c_new = np.where(m, c_new, c)
        h, c = h_new, c_new
        outputs.append(h)
    return np.stack(outputs, axis=1) if return_sequences else h


def forward(model, weights, x):
    mask = None
    if model["input"].get("vocabulary") is not None:
        ids = x
    last_dense = max(j for j, e in enumerate(model["layers"]) if e["layer"]["kind"] == "dense")
    for i, entry in enumerate(model["layers"]):
        layer = entry["layer"]
        w = {e["name"]: weights[e["tensor"]].astype(np.float64) for e in entry["weights"]}
        kind = layer["kind"]
        # Keras's mask passes through dropout, batch normalization and a recurrent layer
        # that returns sequences; any other layer consumes or drops it.
        passes = kind in ("dropout", "batch_norm") or layer.get("return_sequences", False)
        if kind == "dense":
            x = x @ w["kernel"] + (w["bias"] if "bias" in w else 0.0)
            if i != last_dense:
                x = activate(layer["activation"], x)
        elif kind == "dropout":
            pass
        elif kind == "normalization":
            x = (x - w["mean"]) / np.maximum(np.sqrt(w["variance"]), 1e-7)
        elif kind == "batch_norm":
            x = (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + layer["epsilon"])
            x = x * w["gamma"] + w["beta"]
        elif kind == "embedding":
            x = w["embeddings"][ids]
            if layer["mask_zero"]:
                mask = ids != 0
                passes = True
        elif kind == "global_average_pooling":
            if mask is None:
                x = x.mean(axis=1)
            else:
                m = mask[:, :, None].astype(np.float64)
                x = (x * m).sum(axis=1) / m.sum(axis=1)
        elif kind == "global_max_pooling":
            x = x.max(axis=1)
        elif kind == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif kind == "conv1d":
            size = layer["kernel_size"]
            win = windows(x, size, layer["strides"], layer["padding"], 0.0)
            x = activate(layer["activation"], np.einsum("btkc,kcf->btf", win, w["kernel"]) + w["bias"])
        elif kind == "max_pooling1d":
            size = layer["pool_size"]
            x = windows(x, size, layer["strides"], layer["padding"], -np.inf).max(axis=2)
        elif kind in ("lstm", "gru"):
            units = w["recurrent_kernel"].shape[0]
            x = recurrent(kind, w, x, mask, units, layer["return_sequences"])
        else:
            raise SystemExit(f"layer {kind} is not implemented here")
        if not passes:
            mask = None
    output = model["output"]
    squash = output["activation"]
    if output["from_logits"]:
        squash = "sigmoid" if output["loss"] == "binary_crossentropy" else "softmax"
    return activate(squash, x)


def main():
    folder, texts = sys.argv[1], sys.argv[2]
    with open(f"{folder}/model.json") as f:
        model = json.load(f)
    if model["format"] != 1:
        raise SystemExit(f"export format {model['format']}, this script reads 1")
    weights = load_file(f"{folder}/weights.safetensors")
    with open(texts) as f:
        inputs = json.load(f)
    x = encode(inputs, model["preprocessing"]["input"])
    print(json.dumps(forward(model, weights, x).tolist()))


main()
