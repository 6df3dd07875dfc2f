"""Runs the Python client against a running service: ATTENTION_URL names it, ATTENTION_BINARY=0 sends nested JSON."""

import os
import unittest

import numpy as np

from attention_client import AttentionClient, AttentionError

URL = os.environ.get("ATTENTION_URL", "http://127.0.0.1:8080")
BINARY = os.environ.get("ATTENTION_BINARY", "1") != "0"


class AttentionClientTests(unittest.TestCase):
    def setUp(self):
        self.client = AttentionClient(URL, binary=BINARY)

    def test_attention_seed_example_float32(self):
        result = self.client.attention(
            np.array([[1, 2, 3]], np.float32), np.array([[4, 6, 8], [5, 7, 9]], np.float32), np.array([[1, 0], [0, 1]], np.float32))
        self.assertEqual(result.output.dtype, np.float32)
        self.assertEqual(result.weights.shape, (1, 2))
        np.testing.assert_allclose(result.weights, [[0.030351, 0.969649]], atol=1e-5)
        self.assertEqual(result.scoring, "scaled_dot")

    def test_self_attention_pearson_float64_without_weights(self):
        result = self.client.self_attention(np.arange(1, 10, dtype=np.float64).reshape(3, 3), return_weights=False)
        self.assertEqual(result.precision, "float64")
        self.assertEqual(result.output.dtype, np.float64)
        self.assertIsNone(result.weights)
        np.testing.assert_allclose(result.output, [[4, 5, 6]] * 3, atol=1e-12)

    def test_multihead_batched_with_mask_and_key_lengths(self):
        identity = np.eye(4, dtype=np.float32)
        query = np.array([[[1, 0, 0, 1]], [[0, 1, 1, 0]]], np.float32)
        key = np.array([[[1, 0, 0, 1], [0, 1, 1, 0]]] * 2, np.float32)
        value = np.array([[[1, 2, 3, 4], [5, 6, 7, 8]]] * 2, np.float32)
        result = self.client.multihead(query, key, value, 2, identity, identity, identity, identity,
                                       mask=np.array([[True, True]]), key_lengths=[2, 1], average_weights=False)
        self.assertEqual(result.weights.shape, (2, 2, 1, 2))
        np.testing.assert_allclose(result.output[1], [[1, 2, 3, 4]], atol=1e-5)

    def test_refusal_carries_the_problem_details(self):
        with self.assertRaises(AttentionError) as caught:
            self.client.attention(np.ones((1, 3), np.float32), np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
        error = caught.exception
        self.assertEqual(error.status, 422)
        self.assertEqual(error.title, "The request is not a computable attention problem")
        self.assertIn("key rows have 2 numbers but query rows have 3", error.detail)
        self.assertIn("key", error.errors)


if __name__ == "__main__":
    unittest.main()
