"""The one exception type geo raises for problems a user can fix.

The CLI turns a :class:`GeoError` into a single line on stderr and exit code 2, never a
traceback, so every message must say what is wrong *and* what to do about it.
"""

from __future__ import annotations


class GeoError(Exception):
    """A user-facing error: ``problem`` says what is wrong, ``fix`` what to do."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem.rstrip(".")
        self.fix = fix.rstrip(".")
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = self.problem if not self.fix else f"{self.problem}: {self.fix}"
        return " ".join(text.split()) + "."
