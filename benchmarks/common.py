"""Helpers shared by the benchmark scripts: where the shared data is, and the machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def orlib_spec(name: str) -> str:
    folder = "indtrack/" if name.startswith("indtrack") else ""
    return f"orlib:{SHARED_DATA / 'orlib' / (folder + name + '.txt')}"


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
