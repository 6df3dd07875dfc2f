// Runs the client against a running service: ATTENTION_URL names it, ATTENTION_BINARY=0 sends nested JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AttentionClient, AttentionError, tensor } from "../src/client.js";

const client = new AttentionClient(process.env.ATTENTION_URL ?? "http://127.0.0.1:8080", { binary: process.env.ATTENTION_BINARY !== "0" });
const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-5) =>
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tolerance, `[${i}] ${actual[i]} != ${e}`));

test("attention: the seed example in float32", async () => {
  const result = await client.attention({
    query: tensor(new Float32Array([1, 2, 3]), [1, 3]),
    key: tensor(new Float32Array([4, 6, 8, 5, 7, 9]), [2, 3]),
    value: [[1, 0], [0, 1]], // the nested form still type-checks
  });
  assert.ok(result.output.data instanceof Float32Array);
  assert.deepEqual(result.weights?.shape, [1, 2]);
  close(result.weights!.data, [0.030351, 0.969649]);
  assert.equal(result.scoring, "scaled_dot");
});

test("self-attention: pearson in float64 without weights", async () => {
  const result = await client.selfAttention({
    input: tensor(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), [3, 3]),
    precision: "float64",
    returnWeights: false,
  });
  assert.ok(result.output.data instanceof Float64Array);
  assert.equal(result.weights, undefined);
  close(result.output.data, [4, 5, 6, 4, 5, 6, 4, 5, 6], 1e-12);
});

test("multihead: a batch with a mask, key lengths and per-head weights", async () => {
  const identity = tensor(new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), [4, 4]);
  const result = await client.multihead({
    query: tensor(new Float32Array([1, 0, 0, 1, 0, 1, 1, 0]), [2, 1, 4]),
    key: tensor(new Float32Array([1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0]), [2, 2, 4]),
    value: tensor(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 4]),
    numHeads: 2,
    qProjWeight: identity, kProjWeight: identity, vProjWeight: identity, outProjWeight: identity,
    mask: tensor(new Uint8Array([1, 1]), [1, 2]),
    keyLengths: [2, 1],
    averageWeights: false,
  });
  assert.deepEqual(result.weights?.shape, [2, 2, 1, 2]);
  close(result.output.data.subarray(4), [1, 2, 3, 4]);
});

test("a refusal carries the problem details", async () => {
  const ones = (n: number) => new Float32Array(n).fill(1);
  const error = await client.attention({ query: tensor(ones(3), [1, 3]), key: tensor(ones(4), [2, 2]), value: tensor(ones(4), [2, 2]) })
    .then(() => assert.fail("expected a refusal"), (e: unknown) => e);
  assert.ok(error instanceof AttentionError);
  assert.equal(error.status, 422);
  assert.equal(error.problem.title, "The request is not a computable attention problem");
  assert.match(error.problem.detail ?? "", /key rows have 2 numbers but query rows have 3/);
  assert.ok(error.problem.errors?.key);
});
