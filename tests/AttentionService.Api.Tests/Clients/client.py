# Binary tensors from Python: numpy arrays travel as base64 of their bytes, float32 stays float32 both ways.
# Run: /usr/bin/python3 client.py http://127.0.0.1:8080   (Debian's python3-numpy)
import base64, json, sys, urllib.request
import numpy as np

def to_tensor(a):
    a = np.ascontiguousarray(a, dtype="<f4")  # little-endian float32, row-major
    return {"dtype": "float32", "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}

def from_tensor(t):
    dtype = {"float32": "<f4", "float64": "<f8"}[t["dtype"]]
    return np.frombuffer(base64.b64decode(t["data"]), dtype=dtype).reshape(t["shape"])

rng = np.random.default_rng(0)
q, k, v = (rng.standard_normal((4, 8)).astype(np.float32) for _ in range(3))
body = {"query": to_tensor(q), "key": to_tensor(k), "value": to_tensor(v), "encoding": "base64"}
request = urllib.request.Request(sys.argv[1] + "/v1/attention", json.dumps(body).encode(), {"Content-Type": "application/json"})
with urllib.request.urlopen(request) as response:
    answer = json.load(response)
output, weights = from_tensor(answer["output"]), from_tensor(answer["weights"])

# Check against numpy in float64.
s = q.astype(np.float64) @ k.T.astype(np.float64) / np.sqrt(8)
w = np.exp(s - s.max(axis=1, keepdims=True))
w /= w.sum(axis=1, keepdims=True)
assert output.dtype == np.float32 and output.shape == (4, 8) and weights.shape == (4, 4)
assert np.allclose(output, w @ v, atol=1e-5, rtol=1e-4) and np.allclose(weights, w, atol=1e-5, rtol=1e-4)
print("ok", output.dtype, output.shape)
