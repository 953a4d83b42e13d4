"""Small vectorised helpers the demo generator shares: categorical draws, ids, strings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ALNUM = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", dtype=np.uint8
)


def categorical(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One draw per row from the categorical distribution ``probs[group[row]]``.

    >>> rng = np.random.default_rng(0)
    >>> draws = categorical(rng, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1, 1]))
    >>> draws.tolist()
    [0, 1, 1]
    """
    probs = np.asarray(probs, dtype=float)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(group))
    return (u[:, None] >= cum[group]).sum(axis=1).astype(np.int32)


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, built in Arrow (no Python loop).

    >>> ids("O", np.array([1, 42]), 5).to_pylist()
    ['O00001', 'O00042']
    """
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def take(values: Sequence[str | None], index: np.ndarray, mask: np.ndarray | None = None):
    """Strings ``values[index]`` as an Arrow array; null where ``mask`` is True or index < 0.

    >>> take(["a", "b"], np.array([1, -1, 0])).to_pylist()
    ['b', None, 'a']
    """
    index = np.asarray(index)
    null = index < 0 if mask is None else (mask | (index < 0))
    idx = pa.array(np.where(null, 0, index).astype(np.int32), mask=null)
    return pc.take(pa.array(list(values), pa.string()), idx)


def random_tokens(rng: np.random.Generator, n: int, length: int) -> pa.Array:
    """``n`` random URL-safe tokens of ``length`` characters (click ids)."""
    codes = _ALNUM[rng.integers(0, len(_ALNUM), (n, length))]
    raw = pa.Array.from_buffers(pa.binary(length), n, [None, pa.py_buffer(codes.tobytes())])
    return raw.cast(pa.binary()).cast(pa.string())


def join(*parts, null_if: np.ndarray | None = None) -> pa.Array:
    """Concatenate string arrays / scalars element-wise; null where ``null_if`` is True."""
    out = pc.binary_join_element_wise(*parts, "")
    if null_if is not None:
        out = pc.if_else(pa.array(null_if), pa.scalar(None, pa.string()), out)
    return out


def timestamps(start: date, days: np.ndarray) -> pa.Array:
    """Timestamps (second resolution) ``days`` (float days) after midnight of ``start``."""
    base = np.datetime64(start, "s")
    secs = np.floor(np.asarray(days) * 86400.0).astype(np.int64)
    return pa.array(base + secs.astype("timedelta64[s]"))


def dates(start: date, days: np.ndarray) -> pa.Array:
    """Dates ``days`` (whole days) after ``start``."""
    return pa.array(np.datetime64(start, "D") + np.asarray(days).astype("timedelta64[D]"))


def group_positions(counts: np.ndarray) -> np.ndarray:
    """Position of each element inside its group, for groups laid out one after another.

    >>> group_positions(np.array([2, 0, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts
