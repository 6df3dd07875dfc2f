# Attention over the Open Inference Protocol with binary tensors, using only numpy and the standard library.
import json
import sys
import urllib.request

import numpy as np

url = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:5000"
inputs = {
    "query": np.array([[1, 2, 3]], dtype=np.float32),
    "key": np.array([[4, 6, 8], [5, 7, 9]], dtype=np.float32),
    "value": np.array([[1, 0], [0, 1]], dtype=np.float32),
}
header = json.dumps({
    "inputs": [{"name": name, "datatype": "FP32", "shape": list(a.shape),
                "parameters": {"binary_data_size": a.nbytes}} for name, a in inputs.items()],
    "outputs": [{"name": "weights", "parameters": {"binary_data": True}}, {"name": "output"}],
}).encode()
request = urllib.request.Request(
    url + "/v2/models/attention/infer",
    data=header + b"".join(a.tobytes() for a in inputs.values()),
    headers={"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))})
with urllib.request.urlopen(request) as response:
    json_length = int(response.headers["Inference-Header-Content-Length"])
    body = response.read()

answer, offset = json.loads(body[:json_length]), json_length
for output in answer["outputs"]:
    if "data" in output:
        values = np.array(output["data"], dtype=np.float32)
    else:
        size = output["parameters"]["binary_data_size"]
        values, offset = np.frombuffer(body[offset:offset + size], dtype=np.float32), offset + size
    print(output["name"], output["datatype"], values.reshape(output["shape"]).astype(float).round(6).tolist())
