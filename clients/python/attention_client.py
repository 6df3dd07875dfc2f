"""A one-file client of AttentionService: numpy arrays in, numpy arrays out.

Tensors travel in the binary form of the v1 contract ({"dtype", "shape", "data"}, base64 of the little-endian
elements), so a float32 array is sent as its bytes, not as decimal text. Needs only the standard library and numpy.

    from attention_client import AttentionClient
    client = AttentionClient("http://localhost:8080")
    result = client.attention(q, k, v, causal=True)   # result.output, result.weights: numpy arrays
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

__all__ = ["AttentionClient", "AttentionResult", "AttentionError"]


class AttentionError(Exception):
    """A refusal of the service, carrying its problem details (RFC 9457)."""

    def __init__(self, status: int, problem: dict):
        self.status = status
        self.problem = problem
        self.title: Optional[str] = problem.get("title")
        self.detail: Optional[str] = problem.get("detail")
        self.errors: dict = problem.get("errors") or {}
        super().__init__(f"{status} {self.title}: {self.detail}")


@dataclass
class AttentionResult:
    """The answer: `output` [..., n, dv] and `weights` [..., n, m] (None when not requested), in the request's precision."""

    output: np.ndarray
    weights: Optional[np.ndarray]
    scoring: str
    scale: float
    precision: str


class AttentionClient:
    """Calls /v1/attention, /v1/attention/self and /v1/attention/multihead.

    Keyword arguments are the request's fields in snake_case (return_weights=False, key_lengths=[2, 1], ...).
    `precision` defaults to float64 when the query (or input) is a float64 array, else float32.
    `binary=False` sends nested JSON arrays instead of tensor objects (for a service without the binary form).
    """

    def __init__(self, base_url: str, api_key: Optional[str] = None, binary: bool = True, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.binary = binary
        self.timeout = timeout

    def attention(self, query, key, value, **fields) -> AttentionResult:
        return self._call("/v1/attention", dict(query=query, key=key, value=value, **fields))

    def self_attention(self, input, **fields) -> AttentionResult:
        return self._call("/v1/attention/self", dict(input=input, **fields))

    def multihead(self, query, key, value, num_heads: int, q_proj_weight, k_proj_weight, v_proj_weight, out_proj_weight, **fields) -> AttentionResult:
        return self._call("/v1/attention/multihead", dict(
            query=query, key=key, value=value, num_heads=num_heads, q_proj_weight=q_proj_weight,
            k_proj_weight=k_proj_weight, v_proj_weight=v_proj_weight, out_proj_weight=out_proj_weight, **fields))

    def _call(self, path: str, fields: dict) -> AttentionResult:
        first = fields.get("query", fields.get("input"))
        if "precision" not in fields:
            fields["precision"] = "float64" if getattr(first, "dtype", None) == np.float64 else "float32"
        body = {_camel(name): self._encode(name, value) for name, value in fields.items() if value is not None}
        if self.binary:
            body["encoding"] = "base64"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        request = urllib.request.Request(self.base_url + path, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                problem = json.loads(text)
            except ValueError:
                problem = {"title": error.reason, "detail": text.decode(errors="replace")}
            raise AttentionError(error.code, problem) from None
        dtype = np.float64 if answer["precision"] == "float64" else np.float32
        return AttentionResult(
            output=_decode(answer["output"], dtype),
            weights=_decode(answer["weights"], dtype) if "weights" in answer else None,
            scoring=answer["scoring"], scale=answer["scale"], precision=answer["precision"])

    def _encode(self, name: str, value: Any) -> Any:
        if isinstance(value, dict):  # parameters: {"w": ..., "wq": ..., "wk": ..., "v": ...}
            return {_camel(k): self._encode(k, v) for k, v in value.items() if v is not None}
        if name == "key_lengths":
            return [int(x) for x in np.asarray(value).ravel()]
        if not isinstance(value, (np.ndarray, list, tuple)):
            return value
        array = np.asarray(value)
        if array.dtype == np.bool_:
            dtype, wire = np.uint8, "bool"
        else:
            dtype, wire = (np.float64, "float64") if array.dtype == np.float64 else (np.float32, "float32")
        if not self.binary:
            return array.tolist()
        data = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
        return {"dtype": wire, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _decode(value: Any, dtype) -> np.ndarray:
    if isinstance(value, dict):
        wire = np.dtype("<f8") if value["dtype"] == "float64" else np.dtype("<f4")
        array = np.frombuffer(base64.b64decode(value["data"]), dtype=wire).reshape(value["shape"])
        return array.astype(dtype)
    return np.asarray(value, dtype=dtype)
