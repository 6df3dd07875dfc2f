# The FastAPI + numpy peer for small.sh: the same request, scaled dot-product attention with weights, one worker.
import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/v1/attention")
async def attention(request: Request):
    body = await request.json()
    q = np.asarray(body["query"], dtype=np.float32)
    k = np.asarray(body["key"], dtype=np.float32)
    v = np.asarray(body["value"], dtype=np.float32)
    scale = body.get("scale") or 1.0 / np.sqrt(q.shape[-1])
    scores = (q @ np.swapaxes(k, -1, -2)) * scale
    scores -= scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    answer = {"output": (weights @ v).tolist(), "scoring": "scaledDot", "scale": float(scale), "precision": "float32"}
    if body.get("returnWeights", True):
        answer["weights"] = weights.tolist()
    return JSONResponse(answer)
