# Triton's own Python HTTP client (tritonclient.http), unchanged, against the service: every model, JSON and binary
# tensors both ways, FP64, BOOL, INT32 key lengths, gzip and deflate bodies, and the errors it reports.
# Usage: python3 tritonclient_check.py HOST:PORT. Prints one line per check and "N passed, 0 failed".
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

client = httpclient.InferenceServerClient(sys.argv[1] if len(sys.argv) > 1 else "localhost:5000")
passed = 0


def check(name, condition):
    global passed
    if not condition:
        print("FAILED", name)
        sys.exit(1)
    passed += 1
    print("ok", name)


def tensor(name, array, binary=True):
    datatype = {np.float32: "FP32", np.float64: "FP64", np.bool_: "BOOL", np.int32: "INT32", np.int64: "INT64"}[array.dtype.type]
    t = httpclient.InferInput(name, list(array.shape), datatype)
    t.set_data_from_numpy(array, binary_data=binary)
    return t


def attention(q, k, v, mask=None, causal=False):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    n, m = scores.shape[-2:]
    allowed = np.ones((n, m), dtype=bool) if mask is None else mask
    if causal:
        allowed = allowed & np.tril(np.ones((n, m), dtype=bool))
    scores = np.where(allowed, scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return w @ v, w


check("server live", client.is_server_live())
check("server ready", client.is_server_ready())
check("server metadata lists binary_tensor_data", "binary_tensor_data" in client.get_server_metadata()["extensions"])
for model in ["attention", "self_attention", "multihead_attention"]:
    check(model + " ready", client.is_model_ready(model))
    check(model + " metadata", client.get_model_metadata(model)["name"] == model)

rng = np.random.default_rng(1)
for rank_shape in [(5, 4), (2, 5, 4), (2, 3, 5, 4)]:
    for dtype in [np.float32, np.float64]:
        q = rng.standard_normal(rank_shape).astype(dtype)
        k = rng.standard_normal(rank_shape).astype(dtype)
        v = rng.standard_normal(rank_shape).astype(dtype)
        mask = rng.random((5, 5)) > 0.3
        mask[:, 0] = True
        for binary_in, binary_out in [(True, True), (False, False), (True, False), (False, True)]:
            inputs = [tensor("query", q, binary_in), tensor("key", k, not binary_in), tensor("value", v, binary_in), tensor("mask", mask, binary_in)]
            outputs = [httpclient.InferRequestedOutput("weights", binary_data=binary_out), httpclient.InferRequestedOutput("output", binary_data=not binary_out)]
            result = client.infer("attention", inputs, outputs=outputs, parameters={"causal": True})
            out, w = attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), mask, causal=True)
            tol = 1e-5 if dtype == np.float32 else 1e-12
            name = f"attention {dtype.__name__} rank {len(rank_shape)} binary in {binary_in} out {binary_out}"
            check(name, result.as_numpy("output").dtype == dtype and np.allclose(result.as_numpy("output"), out, atol=tol) and np.allclose(result.as_numpy("weights"), w, atol=tol))

x = rng.standard_normal((2, 4, 6)).astype(np.float32)
result = client.infer("self_attention", [tensor("input", x)], parameters={"scoring": "scaled_dot"})
out, w = attention(x.astype(np.float64), x.astype(np.float64), x.astype(np.float64))
check("self_attention, all outputs binary by default", np.allclose(result.as_numpy("weights"), w, atol=1e-5))

e, heads = 4, 2
weights = {n: (rng.standard_normal((e, e)) * 0.5).astype(np.float32) for n in ["q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj_weight"]}
qkv = [rng.standard_normal((2, 3, e)).astype(np.float32) for _ in range(3)]
inputs = [tensor("query", qkv[0]), tensor("key", qkv[1]), tensor("value", qkv[2])] + [tensor(n, a) for n, a in weights.items()]
inputs.append(tensor("key_lengths", np.array([3, 1], dtype=np.int32)))
result = client.infer("multihead_attention", inputs, parameters={"num_heads": heads, "average_weights": False})
check("multihead_attention weights per head", list(result.as_numpy("weights").shape) == [2, heads, 3, 3])
check("multihead_attention key_lengths mask", np.allclose(result.as_numpy("weights")[1, :, :, 1:], 0))

for algorithm in ["gzip", "deflate"]:
    result = client.infer("self_attention", [tensor("input", x)], request_compression_algorithm=algorithm)
    check(algorithm + " request body", np.allclose(result.as_numpy("weights"), client.infer("self_attention", [tensor("input", x)]).as_numpy("weights")))

for name, call, status, text in [
    ("unknown model", lambda: client.infer("nope", [tensor("input", x)]), "404", "unknown model 'nope'"),
    ("unknown parameter", lambda: client.infer("self_attention", [tensor("input", x)], parameters={"temperature": 2}), "400", "temperature is not a parameter"),
    ("missing num_heads", lambda: client.infer("multihead_attention", inputs), "400", "num_heads is missing"),
    ("engine finding", lambda: client.infer("self_attention", [tensor("input", x), tensor("mask", np.ones((3, 3), dtype=bool))]), "422", "mask"),
]:
    try:
        call()
        check(name, False)
    except InferenceServerException as error:
        check(f"{name} is {status}", error.status() == status and text in error.message())

print(f"{passed} passed, 0 failed")
