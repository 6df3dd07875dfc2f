// Binary tensors from JavaScript: a Float32Array travels as base64 of its bytes (node 20; in a browser use btoa/atob).
// Run: node client.mjs http://127.0.0.1:8080
const toTensor = (array, shape) => ({
  dtype: "float32",
  shape,
  data: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64"),
});
const fromTensor = (t) => {
  const bytes = Buffer.from(t.data, "base64");
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength); // aligned for the typed array
  return t.dtype === "float32" ? new Float32Array(copy) : new Float64Array(copy);
};

const n = 4, d = 8;
const random = (seed) => Float32Array.from({ length: n * d }, (_, i) => Math.sin(seed * 1000 + i));
const [q, k, v] = [random(1), random(2), random(3)];
const response = await fetch(process.argv[2] + "/v1/attention", {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ query: toTensor(q, [n, d]), key: toTensor(k, [n, d]), value: toTensor(v, [n, d]), encoding: "base64" }),
});
const answer = await response.json();
const output = fromTensor(answer.output), weights = fromTensor(answer.weights);

// Check against a plain float64 computation.
for (let i = 0; i < n; i++) {
  const s = Array.from({ length: n }, (_, j) => { let x = 0; for (let c = 0; c < d; c++) x += q[i * d + c] * k[j * d + c]; return x / Math.sqrt(d); });
  const max = Math.max(...s), e = s.map((x) => Math.exp(x - max)), sum = e.reduce((a, b) => a + b);
  for (let j = 0; j < n; j++) if (Math.abs(weights[i * n + j] - e[j] / sum) > 1e-5) throw new Error(`weights[${i}][${j}]`);
  for (let c = 0; c < d; c++) {
    let o = 0; for (let j = 0; j < n; j++) o += (e[j] / sum) * v[j * d + c];
    if (Math.abs(output[i * d + c] - o) > 1e-5 + 1e-4 * Math.abs(o)) throw new Error(`output[${i}][${c}]`);
  }
}
console.log("ok", output.constructor.name, answer.output.shape.join("x"));
