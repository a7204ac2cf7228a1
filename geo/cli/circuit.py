"""``geo circuit RESULTS.json --format qasm|json --output FILE``: the trained QCBM circuit of a
QCBM-GEO run, for a quantum device or another toolkit."""

from __future__ import annotations

import json
from pathlib import Path

import click

from geo.cli.options import reports_errors
from geo.core.errors import GeoError


def circuit_text(record: dict, fmt: str) -> str:
    """OpenQASM 2.0 (cirq's exporter) or cirq's JSON of the recorded circuit, measured at the end."""
    import cirq

    from geo.generators.qcbm.record import circuit_from_record

    circuit = circuit_from_record(record)
    if fmt == "json":
        return cirq.to_json(circuit)
    mapping = ", ".join(f"q[{j}]={asset}" for j, asset in enumerate(record["assets"]))
    header = (f"geo QCBM: {record['qubits']} qubits, {record.get('two_qubit_gates')} two-qubit gates, depth "
              f"{record.get('depth')}; measured 1 = asset held; {mapping}")
    # 16 digits: the angles as trained (cirq's default keeps 10)
    return str(cirq.QasmOutput(list(circuit.all_operations()), sorted(circuit.all_qubits()), header=header,
                               precision=16, version="2.0"))


@click.command()
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default="qasm", show_default=True, help="qasm (OpenQASM 2.0) or json (cirq).")
@click.option("--output", type=click.Path(dir_okay=False), required=True, help="Write the circuit here.")
@reports_errors
def circuit(results: str, fmt: str, output: str) -> None:
    """Export the trained circuit of a QCBM-GEO results file."""
    from geo.core.atomic import atomic_write_text

    if fmt not in ("qasm", "json"):
        raise GeoError(f"unknown circuit format {fmt!r}", "use --format qasm or --format json")
    path = Path(results)
    if not path.is_file():
        raise GeoError(f"results file {results} does not exist", "give a results JSON written by geo frontier")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise GeoError(f"{results} is not a JSON results file", "give a results JSON written by geo frontier") from None
    record = (data.get("details") or {}).get("circuit") if isinstance(data, dict) else None
    if not record:
        raise GeoError(f"{results} holds no trained circuit",
                       "run geo frontier --method geo --generator qcbm --output FILE, then export that file")
    atomic_write_text(output, circuit_text(record, fmt))
    click.echo(f"circuit written to {output} ({record['qubits']} qubits, {fmt})")
