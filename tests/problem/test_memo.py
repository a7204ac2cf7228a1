"""The evaluator's memo: packed keys in a compiled hash table, rows in order of first appearance."""

from __future__ import annotations

import numpy as np

from geo.problem.memo import SelectionMemo, pack, unpack


def random_selections(rng, count, n_assets, size):
    out = np.zeros((count, n_assets), dtype=bool)
    for row in out:
        row[rng.choice(n_assets, size, replace=False)] = True
    return out


def test_keys_round_trip_across_word_boundaries():
    rng = np.random.default_rng(0)
    for n_assets in (1, 63, 64, 65, 130):
        selections = rng.random((20, n_assets)) < 0.3
        keys = pack(selections, max(1, -(-n_assets // 64)))
        assert np.array_equal(unpack(keys, n_assets), selections)


def test_rows_follow_first_appearance_through_growth():
    rng = np.random.default_rng(1)
    distinct = np.unique(random_selections(rng, 3000, 130, 5), axis=0)
    distinct = distinct[rng.permutation(len(distinct))]
    memo = SelectionMemo(130)
    first = memo.rows_for(distinct[:10])
    assert np.array_equal(first, np.arange(10))
    # repeats map to their rows; new ones are appended in order, the table grown on the way
    batch = np.concatenate([distinct[5:10], distinct[10:], distinct[:3]])
    rows = memo.rows_for(batch)
    assert np.array_equal(rows, np.concatenate([np.arange(5, 10), np.arange(10, len(distinct)), np.arange(3)]))
    assert len(memo) == len(distinct)
    assert np.array_equal(memo.selections(slice(0, len(memo))), distinct)
    # a lookup after growth still finds every row
    assert np.array_equal(memo.rows_for(distinct[::-1]), np.arange(len(distinct))[::-1])


def test_indices_list_the_held_assets_in_ascending_order():
    memo = SelectionMemo(70)
    selections = np.zeros((2, 70), dtype=bool)
    selections[0, [69, 3, 64]] = True
    selections[1, [0, 1, 2]] = True
    rows = memo.rows_for(selections)
    assert memo.indices(rows).tolist() == [[3, 64, 69], [0, 1, 2]]
