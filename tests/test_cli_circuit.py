"""QCBM options through the CLI, and ``geo circuit``: the QASM round trip keeps the distribution."""

from __future__ import annotations

import json

import numpy as np
import pytest

# Two iterations: the first one's starts are all relay starts (nearby targets' answers), the
# second one samples the circuit.
QCBM_RUN = ("frontier", "sp500-sample", "-k", 2, "--method", "geo", "--generator", "qcbm", "--iterations", 2,
            "--points", 3, "--samples", 20, "--qcbm-qubits", 5, "--qcbm-iterations", 1, "--quiet")


@pytest.fixture(scope="module")
def qcbm_results(tmp_path_factory):
    from click.testing import CliRunner

    from geo.cli import main

    path = tmp_path_factory.mktemp("qcbm") / "r.json"
    result = CliRunner().invoke(main, [str(a) for a in QCBM_RUN] + ["--output", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


def test_qcbm_run_records_losses_and_the_circuit(qcbm_results):
    details = json.loads(qcbm_results.read_text())["details"]
    report = details["iterations"][0]["generator_report"]
    assert report["qubits"] == 5 and abs(report["initial_loss"] - report["mps_loss"]) < 1e-8
    assert {"final_loss", "depth", "two_qubit_gates"} <= set(report)
    sampled = [record["generator_report"] for record in details["iterations"] if record["n_samples"]]
    assert sampled and {"acceptance", "novelty"} <= set(sampled[0])  # read after the iteration's sampling
    assert details["circuit"]["qubits"] == 5 and len(details["circuit"]["assets"]) == 5


def test_qasm_round_trip_keeps_the_distribution(run_cli, qcbm_results, tmp_path):
    import cirq
    from cirq.contrib.qasm_import import circuit_from_qasm

    from geo.generators.qcbm.record import circuit_from_record
    from geo.generators.qcbm.simulation import exact_probabilities

    out = tmp_path / "c.qasm"
    result = run_cli("circuit", qcbm_results, "--format", "qasm", "--output", out)
    assert result.exit_code == 0, result.output
    parsed = cirq.drop_terminal_measurements(circuit_from_qasm(out.read_text()))
    qubits = sorted(parsed.all_qubits(), key=lambda q: int(q.name.split("_")[-1]))
    record = json.loads(qcbm_results.read_text())["details"]["circuit"]
    original = circuit_from_record(record, measure=False)
    np.testing.assert_allclose(exact_probabilities(parsed, qubits),
                               exact_probabilities(original, cirq.LineQubit.range(record["qubits"])), atol=1e-9)
    assert "AAPL" in out.read_text().splitlines()[0] or "q[0]=" in out.read_text().splitlines()[0]


def test_json_export_is_cirq_json(run_cli, qcbm_results, tmp_path):
    import cirq

    out = tmp_path / "c.json"
    assert run_cli("circuit", qcbm_results, "--format", "json", "--output", out).exit_code == 0
    assert len(cirq.read_json(json_text=out.read_text()).all_qubits()) == 5


@pytest.mark.parametrize("args, fragment", [
    (("--qcbm-init", "zeros"), "unknown QCBM init"),
    (("--qcbm-ansatz", "brick"), "unknown QCBM ansatz"),
    (("--qcbm-ansatz", "hamming-weight"), "needs the staircase ansatz"),
    (("--qcbm-layers", "-1"), "--qcbm-layers must be >= 0"),
    (("--qcbm-qubits", "two"), "--qcbm-qubits must be an integer"),
    (("--qcbm-qubits", "40"), "more than 24"),
    (("--qcbm-iterations", "1.5"), "--qcbm-iterations must be an integer"),
    (("--qsim-threads", "0"), "--qsim-threads must be >= 1"),
    (("--qcbm-init-layers", "0"), "--qcbm-init-layers must be >= 1"),
    (("--qcbm-init-layers", "two"), "--qcbm-init-layers must be an integer"),
    (("--qcbm-mps-bond", "0"), "--qcbm-mps-bond must be >= 1"),
    (("--qcbm-init-layers", "2", "--qcbm-ansatz", "hardware-efficient", "--qcbm-init", "random"),
     "init layers are staircase blocks"),
    (("--noise", "ibm"), "unknown noise model"),
    (("--noise", "depolarizing:p2=2"), "outside [0, 0.5]"),
])
def test_bad_qcbm_options_are_one_line_errors(run_cli, tmp_path, one_line_error, args, fragment):
    out = tmp_path / "r.json"
    result = run_cli("frontier", "sp500-sample", "-k", 2, "--method", "geo", "--generator", "qcbm", *args,
                     "--output", out)
    one_line_error(result, fragment)
    assert not out.exists()


def test_layered_start_records_its_fidelity_per_layer_and_exports(run_cli, tmp_path):
    """A bond-4 MPS mapped by 3 of Ran's layers: the fidelity per layer is in details.circuit, never
    decreasing, and the 3-staircase circuit survives the QASM export."""
    out = tmp_path / "r.json"
    result = run_cli(*QCBM_RUN, "--qcbm-mps-bond", 4, "--qcbm-init-layers", 3, "--output", out)
    assert result.exit_code == 0, result.output
    circuit = json.loads(out.read_text())["details"]["circuit"]
    fidelities = circuit["mps_layer_fidelities"]
    assert circuit["init_layers"] == 3 and circuit["mps_bond"] == 4 and len(fidelities) == 3
    assert all(b >= a for a, b in zip(fidelities, fidelities[1:])) and 0 < fidelities[-1] <= 1
    assert circuit["two_qubit_gates"] == 3 * 3 * 4 + 4  # 3 staircases of 4 gates (Rxx Ryy Rzz), 1 Rzz layer
    assert run_cli("circuit", out, "--format", "qasm", "--output", tmp_path / "c.qasm").exit_code == 0


def test_qcbm_options_need_the_qcbm(run_cli, one_line_error):
    one_line_error(run_cli("frontier", "sp500-sample", "-k", 2, "--noise", "trapped-ion"), "--generator qcbm")
    one_line_error(run_cli("frontier", "sp500-sample", "-k", 2, "--method", "geo", "--qcbm-layers", 2),
                   "--generator qcbm")


def test_circuit_command_errors(run_cli, tmp_path, one_line_error):
    one_line_error(run_cli("circuit", tmp_path / "none.json", "--output", tmp_path / "c"), "does not exist")
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"details": {}}))
    one_line_error(run_cli("circuit", plain, "--output", tmp_path / "c"), "no trained circuit")
    one_line_error(run_cli("circuit", plain, "--format", "quil", "--output", tmp_path / "c"), "unknown circuit format")
    assert not (tmp_path / "c").exists()
