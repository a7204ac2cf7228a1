"""The QCBM generator's options (``--qcbm-*``, ``--qsim-threads``, ``--noise``) and their mapping
into GEO's ``generator_options``. Values are checked here and by the generator, so a bad one is a
one-line ``geo: error:`` (not click's multi-line usage message)."""

from __future__ import annotations

from typing import Any, Callable

import click

from geo.core.errors import GeoError

# option -> generator setting
QCBM_OPTIONS = {"qcbm_init": "init", "qcbm_ansatz": "ansatz", "qcbm_layers": "n_layers", "qcbm_qubits": "qubits",
                "qcbm_iterations": "max_iterations", "qcbm_init_layers": "init_layers", "qcbm_mps_bond": "mps_bond",
                "qsim_threads": "threads", "noise": "noise"}


def qcbm_options(command: Callable) -> Callable:
    options = [
        click.option("--qcbm-init", default=None, help="QCBM start: mps (the trained MPS's exact circuit, "
                     "default) or random."),
        click.option("--qcbm-ansatz", default=None,
                     help="QCBM circuit: staircase (MPS-shaped, default), hardware-efficient, hamming-weight."),
        click.option("--qcbm-layers", default=None, help="QCBM layers added after the staircase (default 1)."),
        click.option("--qcbm-qubits", default=None,
                     help="QCBM sub-universe size (default max(12, K + 4); it grows when samples stop being new)."),
        click.option("--qcbm-iterations", default=None, help="QCBM training steps per GEO iteration (default 5)."),
        click.option("--qcbm-mps-bond", default=None, help="Bond of the MPS the QCBM starts from (default 2: "
                     "mapped exactly; larger bonds map approximately, see --qcbm-init-layers)."),
        click.option("--qcbm-init-layers", default=None, help="Staircase blocks of the MPS's image (Ran's layers; "
                     "default 1). More layers bring a bond > 2 MPS closer; the fidelity per layer is reported."),
        click.option("--qsim-threads", default=None, help="qsim CPU threads (default 1)."),
        click.option("--noise", default=None, help="QCBM hardware noise: none (default), trapped-ion "
                     "(p1=0.0002, p2=0.002, readout=0.005), or depolarizing:p1=X,p2=X,readout=X."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _integer(option: str, text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise GeoError(f"--{option.replace('_', '-')} must be an integer (got {text!r})",
                       f"give an integer >= {low}") from None
    if value < low:
        raise GeoError(f"--{option.replace('_', '-')} must be >= {low} (got {value})", f"give an integer >= {low}")
    return value


def qcbm_settings(opts: dict[str, Any]) -> dict[str, Any]:
    """The generator settings the QCBM options give (checked by building the generator once)."""
    given = {option: opts.pop(option, None) for option in QCBM_OPTIONS}
    given = {option: value for option, value in given.items() if value is not None}
    if not given:
        return {}
    if opts.get("method") != "geo" or (opts.get("generator") or "mps") != "qcbm":
        flags = ", ".join("--" + option.replace("_", "-") for option in given)
        raise GeoError(f"{flags} only apply to --method geo --generator qcbm", "add them, or drop those options")
    lows = {"qcbm_layers": 0, "qcbm_qubits": 1, "qcbm_iterations": 0, "qcbm_init_layers": 1, "qcbm_mps_bond": 1,
            "qsim_threads": 1}
    settings = {QCBM_OPTIONS[option]: _integer(option, value, lows[option]) if option in lows else value
                for option, value in given.items()}
    from geo.generators.qcbm import QCBMGenerator

    QCBMGenerator(**settings)  # a bad value or combination fails here, before data is loaded
    return settings
