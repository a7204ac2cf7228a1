"""Reading the published OR-Library frontiers (real files) and small hand-made ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.metrics import (gap_to_reference, match_targets, published_ccef_path, read_published_ccef,
                         published_selections_at, read_published_ccef_portfolios,
                         read_published_uef_from_retrisk, reference_from_results)


def test_retrisk31_k10_first_row(shared_data):
    path = published_ccef_path(31, shared_data)
    frame = read_published_ccef(path, 10)
    assert list(frame.columns) == ["target_return", "variance"]
    assert len(frame) == 500
    assert frame.target_return.iloc[0] == pytest.approx(0.010865, abs=1e-12)
    assert frame.variance.iloc[0] == pytest.approx(0.0047755, abs=1e-12)


def test_columns_map_to_k_and_unconstrained(shared_data):
    path = published_ccef_path(31, shared_data)
    # Last row: 0.002796463, then K=2..10, then the unconstrained variance.
    assert read_published_ccef(path, 2).variance.iloc[-1] == pytest.approx(0.00095307)
    assert read_published_ccef(path, 10).variance.iloc[-1] == pytest.approx(0.00064226)
    uef = read_published_uef_from_retrisk(path)
    assert list(uef.columns) == ["return", "variance"]
    assert uef.variance.iloc[-1] == pytest.approx(0.0006422613781)
    # At most K assets: allowing one more asset never raises the optimal variance.
    summary, _ = gap_to_reference(read_published_ccef(path, 10), read_published_ccef(path, 9))
    assert summary.n_compared == 500 and summary.max <= 0.0


@pytest.mark.parametrize("k", [1, 11, 0])
def test_k_outside_published_range_is_a_geo_error(shared_data, k):
    with pytest.raises(GeoError, match="K = 2..10"):
        read_published_ccef(published_ccef_path(31, shared_data), k)


def test_published_ccef_path(shared_data, tmp_path):
    assert published_ccef_path(98, shared_data).name == "RetRisk98_SolVal.txt"
    for n in (31, 85, 89, 98, 225, 457):
        assert published_ccef_path(n, shared_data).is_file()
    assert published_ccef_path(50, shared_data) is None
    assert published_ccef_path(98, tmp_path) is None  # a size with a reference, but no file here


def test_xi31k10_portfolios(shared_data):
    rows = read_published_ccef_portfolios(shared_data / "orlib/ccef/Xi31K10_SolVal.txt")
    assert len(rows) == 500
    target, weights = rows[0]
    assert target == pytest.approx(0.010865) and weights == {5: 1.0}
    assert rows[1][1] == {}  # the file reports no portfolio for the 2nd and 3rd targets
    held = [w for _, w in rows if w]
    assert max(len(w) for w in held) == 10
    assert all(abs(sum(w.values()) - 1.0) < 1e-5 for w in held)
    assert all(1 <= i <= 31 for w in held for i in w)


def test_xi_targets_match_retrisk_targets(shared_data):
    # Xi targets have 6 decimals, RetRisk targets 9: the default tolerance pairs them 1:1.
    ccef = read_published_ccef(published_ccef_path(89, shared_data), 5)
    rows = read_published_ccef_portfolios(shared_data / "orlib/ccef/Xi89K5_SolVal.txt")
    matches = match_targets(np.array([t for t, _ in rows]), ccef.target_return.to_numpy())
    assert (matches == np.arange(500)).all()
    assert max(len(w) for _, w in rows) == 5


def test_published_selections_at_the_retrisk_targets(shared_data):
    path = published_ccef_path(31, shared_data)
    targets = read_published_ccef(path, 10).target_return.to_numpy()[[0, 1, 499]]
    selections = published_selections_at(path, 10, np.append(targets, 1.0), 31)
    rows = read_published_ccef_portfolios(shared_data / "orlib/ccef/Xi31K10_SolVal.txt")
    assert np.flatnonzero(selections[0]).tolist() == [4]  # asset 5, 1-based in the file
    assert not selections[1].any()  # no portfolio published for the 2nd target
    assert sorted(np.flatnonzero(selections[2]) + 1) == sorted(rows[499][1])
    assert not selections[3].any()  # a target the file does not list
    assert published_selections_at(path, 7, targets, 31) is None  # published for K = 5 and 10 only


def test_empty_cells_are_infeasible_and_trailing_tabs_are_fine(tmp_path):
    path = tmp_path / "RetRisk4_SolVal.txt"
    full = "\t".join(["0.02"] + [f"0.{i}" for i in range(2, 11)] + ["0.05"])
    path.write_text(full + "\t\n" + "0.03" + "\t" * 10 + "\n\n")
    frame = read_published_ccef(path, 3)
    assert frame.variance.iloc[0] == pytest.approx(0.3)
    assert math.isnan(frame.variance.iloc[1]) and frame.target_return.iloc[1] == 0.03
    assert read_published_uef_from_retrisk(path)["variance"].iloc[0] == pytest.approx(0.05)


def test_hand_made_xi_file(tmp_path):
    path = tmp_path / "Xi7K3_SolVal.txt"
    path.write_text("0.1\t2\t\t\t1.000000\t\n0.2\t1\t7\t\t0.25\t0.75\t\n0.3\t\t\t\t\n")
    assert read_published_ccef_portfolios(path) == [(0.1, {2: 1.0}), (0.2, {1: 0.25, 7: 0.75}), (0.3, {})]


@pytest.mark.parametrize("text", ["0.1\tabc\n", "0.1\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\n"])
def test_malformed_retrisk_is_a_geo_error(tmp_path, text):
    path = tmp_path / "RetRisk3_SolVal.txt"
    path.write_text(text)
    with pytest.raises(GeoError, match="published frontier format"):
        read_published_ccef(path, 2)


def test_xi_with_unequal_indices_and_weights_is_a_geo_error(tmp_path):
    path = tmp_path / "Xi7K2_SolVal.txt"
    path.write_text("0.1\t2\t3\t1.0\t\n")
    with pytest.raises(GeoError, match="2 asset indices but 1 weights"):
        read_published_ccef_portfolios(path)


def test_missing_file_is_a_geo_error(tmp_path):
    with pytest.raises(GeoError, match="does not exist"):
        read_published_ccef(tmp_path / "RetRisk31_SolVal.txt", 10)


def test_reference_from_results(make_result):
    result = make_result([(0.01, 0.01, 1.0), (0.02, 0.02, None)])
    frame = reference_from_results(result)
    assert list(frame.columns) == ["target_return", "variance"]
    assert frame.target_return.tolist() == [0.01, 0.02]
    assert frame.variance.iloc[0] == 1.0 and math.isnan(frame.variance.iloc[1])
    with pytest.raises(GeoError, match="risk-aversion"):
        reference_from_results(make_result([(0.5, 0.01, 1.0)], objective="risk-aversion"))
