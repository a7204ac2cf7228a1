"""The evaluator's memo of selections: packed keys in a compiled hash table.

A selection of N assets is stored as ``ceil(N / 64)`` 64-bit words (bit ``i % 64`` of word
``i // 64`` set when asset ``i`` is held), one row per distinct selection in order of first
appearance; an open-addressing table (linear probing, at most half full) maps keys to rows.
Lookups and insertions run in compiled code (:func:`rows_of_keys`), and the neighbourhood
kernel (:mod:`geo.problem.compiled_neighbourhood`) uses the same functions, so a selection has
one row whichever path met it first.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit

EMPTY = -1
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def key_hash(key):
    """A 64-bit hash of one key (the words mixed in turn, splitmix64's finaliser)."""
    h = np.uint64(0)
    for w in range(key.shape[0]):
        h = (h ^ key[w]) * _MULTIPLIER
        h ^= h >> np.uint64(30)
        h *= _MIX1
        h ^= h >> np.uint64(27)
        h *= _MIX2
        h ^= h >> np.uint64(31)
    return h


@njit(cache=True)
def find_or_add(keys, slots, n_rows, key):
    """The row of ``key``, appended as row ``n_rows[0]`` when new (the caller has made room).
    Returns (row, whether it was added)."""
    mask = np.uint64(len(slots) - 1)
    pos = np.int64(key_hash(key) & mask)
    n_words = key.shape[0]
    while True:
        row = slots[pos]
        if row == EMPTY:
            row = n_rows[0]
            keys[row, :] = key
            slots[pos] = row
            n_rows[0] = row + 1
            return row, True
        same = True
        for w in range(n_words):
            if keys[row, w] != key[w]:
                same = False
                break
        if same:
            return row, False
        pos = (pos + 1) & np.int64(mask)


@njit(cache=True)
def rows_of_keys(keys, slots, n_rows, batch):
    """Rows of each key of ``batch`` (M, W), new ones appended in order of first appearance."""
    rows = np.empty(batch.shape[0], dtype=np.int64)
    for m in range(batch.shape[0]):
        rows[m], _ = find_or_add(keys, slots, n_rows, batch[m])
    return rows


@njit(cache=True)
def fill_slots(keys, n_rows, slots):
    """Insert rows 0..n_rows-1 of ``keys`` into the empty table ``slots``."""
    mask = np.uint64(len(slots) - 1)
    for row in range(n_rows):
        pos = np.int64(key_hash(keys[row]) & mask)
        while slots[pos] != EMPTY:
            pos = (pos + 1) & np.int64(mask)
        slots[pos] = row


def pack(selections: np.ndarray, n_words: int) -> np.ndarray:
    """Boolean selections (M, N) as keys (M, W) of little-endian 64-bit words."""
    packed = np.packbits(selections, axis=1, bitorder="little")
    padded = np.zeros((len(selections), 8 * n_words), dtype=np.uint8)
    padded[:, :packed.shape[1]] = packed
    return padded.view("<u8").astype(np.uint64, copy=False)


def unpack(keys: np.ndarray, n_assets: int) -> np.ndarray:
    """Keys (M, W) back to boolean selections (M, N)."""
    as_bytes = np.ascontiguousarray(keys, dtype="<u8").view(np.uint8).reshape(len(keys), -1)
    return np.unpackbits(as_bytes, axis=1, count=n_assets, bitorder="little").astype(bool)


def as_selections(selections: np.ndarray | Sequence, n_assets: int) -> np.ndarray:
    """Boolean (M, N) array from one selection or a stack of them."""
    arr = np.asarray(selections)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_assets:
        raise ValueError(f"selections must have shape (M, {n_assets}), got {arr.shape}")
    return arr.astype(bool, copy=False)


def selection_keys(selections: np.ndarray) -> list[bytes]:
    """A hashable key per selection (its bits packed): the one identity every memo and pool uses."""
    return [row.tobytes() for row in np.packbits(selections, axis=1)]


class SelectionMemo:
    """Rows for selections of ``n_assets`` assets: ``rows_for`` finds or appends them."""

    def __init__(self, n_assets: int) -> None:
        self.n_assets = n_assets
        self.n_words = max(1, -(-n_assets // 64))
        self.keys = np.zeros((0, self.n_words), dtype=np.uint64)
        self.slots = np.full(16, EMPTY, dtype=np.int64)
        self.count = np.zeros(1, dtype=np.int64)  # an array: the kernels append in place

    def __len__(self) -> int:
        return int(self.count[0])

    def reserve(self, extra: int) -> None:
        """Room for ``extra`` more rows: the key store and a table at most half full."""
        need = len(self) + extra
        if need > len(self.keys):
            grow = max(1024, len(self.keys), need - len(self.keys))
            self.keys = np.concatenate([self.keys, np.zeros((grow, self.n_words), dtype=np.uint64)])
        if 2 * need > len(self.slots):
            size = len(self.slots)
            while 2 * need > size:
                size *= 2
            self.slots = np.full(size, EMPTY, dtype=np.int64)
            fill_slots(self.keys, len(self), self.slots)

    def rows_for(self, selections: np.ndarray) -> np.ndarray:
        """Rows of boolean ``selections`` (M, N), new ones appended in order of first appearance."""
        self.reserve(len(selections))
        return rows_of_keys(self.keys, self.slots, self.count, pack(selections, self.n_words))

    def selections(self, rows: np.ndarray | slice) -> np.ndarray:
        """The boolean selections (M, N) at ``rows``."""
        return unpack(self.keys[:len(self)][rows], self.n_assets)

    def indices(self, rows: np.ndarray) -> np.ndarray:
        """The assets held by each selection at ``rows``, all of one size: (M, K), ascending."""
        held = self.selections(rows)
        return np.nonzero(held)[1].reshape(len(rows), -1)
