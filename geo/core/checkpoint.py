"""Checkpoints of long runs: resume after Ctrl-C or a kill and reach the same answer.

A checkpoint is one file, ``state.ckpt`` in the checkpoint folder: a JSON header line (format,
the fingerprint of the command, the SHA-256 of the payload) then a pickled payload holding
whatever the method needs to continue — the evaluator's memo, the RNG state, the selections
kept so far, the GEO pool and generator. It is written atomically (temporary file, rename),
so a kill leaves either the previous checkpoint or the new one, never half of one.

A checkpoint is only used for the command that wrote it: the fingerprint covers the problem
(moments, K, bounds), the targets, the method and its settings, the seed and the budget.
A truncated or corrupt file, or one from another command, is reported with the fix and never
used silently.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from geo.core.atomic import atomic_write_bytes
from geo.core.errors import GeoError

FORMAT = "geo-checkpoint-1"
STATE_FILE = "state.ckpt"
# Saving pickles the evaluator memo (tens of MB on large universes): at most this often,
# unless asked to save at every step (tests, or a caller that wants no work lost).
DEFAULT_INTERVAL_S = 5.0


def fingerprint(**parts: Any) -> str:
    """A stable digest of the inputs that determine a run's answer."""
    digest = hashlib.sha256()
    for key in sorted(parts):
        digest.update(key.encode())
        value = parts[key]
        if isinstance(value, np.ndarray):
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class Checkpoint:
    """Saves and restores one run's state in ``directory``."""

    def __init__(self, directory: str | Path, run_fingerprint: str, resume: bool = False,
                 interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.directory = Path(directory)
        self.path = self.directory / STATE_FILE
        self.fingerprint = run_fingerprint
        self.resume = resume
        self.interval_s = interval_s
        self._last_save = -np.inf
        self.saves = 0

    def load(self) -> dict[str, Any] | None:
        """The saved state when resuming and there is one; None otherwise."""
        if not self.resume or not self.path.exists():
            return None
        raw = self.path.read_bytes()
        header_line, _, payload = raw.partition(b"\n")
        fix = f"delete {self.directory} (or run without --resume) to start afresh"
        try:
            header = json.loads(header_line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise GeoError(f"checkpoint {self.path} is corrupt (unreadable header)", fix) from None
        if header.get("format") != FORMAT:
            raise GeoError(f"checkpoint {self.path} has an unknown format {header.get('format')!r}", fix)
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise GeoError(f"checkpoint {self.path} is truncated or corrupt (checksum mismatch)", fix)
        if header.get("fingerprint") != self.fingerprint:
            raise GeoError(f"checkpoint {self.path} was written by a different command (data, problem, targets, "
                           "method, seed or budget differ)", fix)
        return pickle.load(io.BytesIO(payload))

    def save(self, state: dict[str, Any], force: bool = False) -> bool:
        """Write ``state`` if the interval has passed (or ``force``); True if it was written."""
        now = time.monotonic()
        if not force and now - self._last_save < self.interval_s:
            return False
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        header = {"format": FORMAT, "fingerprint": self.fingerprint, "sha256": hashlib.sha256(payload).hexdigest(),
                  "saved_at": time.time()}
        atomic_write_bytes(self.path, json.dumps(header).encode() + b"\n" + payload)
        self._last_save = now
        self.saves += 1
        return True

    def remove(self) -> None:
        """Drop the checkpoint once the run has finished (its results file is the record)."""
        if self.path.exists():
            self.path.unlink()
        if self.directory.exists() and not any(self.directory.iterdir()):
            shutil.rmtree(self.directory, ignore_errors=True)


def snapshot(evaluator: Any, rng: np.random.Generator, **progress_state: Any) -> dict[str, Any]:
    """The evaluator memo and RNG state, with a method's own progress, ready to save."""
    return {"evaluator": evaluator.state(), "rng": rng.bit_generator.state, **progress_state}


def restore_snapshot(state: dict[str, Any], evaluator: Any, rng: np.random.Generator) -> dict[str, Any]:
    """Put the evaluator and the RNG back as saved; returns the method's own progress state."""
    evaluator.restore(state["evaluator"])
    rng.bit_generator.state = state["rng"]
    return {key: value for key, value in state.items() if key not in ("evaluator", "rng")}
