"""How prices become moments: the options every price or return source shares.

Options arrive as keyword arguments (from the CLI or from code); they are validated here once,
so that a typo or a bad value becomes a :class:`GeoError` naming the accepted values instead
of a failure deep inside pandas.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from geo.core.errors import GeoError

FREQUENCIES = ("daily", "weekly", "monthly")
RETURN_KINDS = ("simple", "log")
ESTIMATORS = ("sample", "ledoit-wolf")

# A ticker missing more than this share of its prices in the window is dropped. Remaining gaps
# are handled by dropping the dates where any kept ticker lacks a return (listwise deletion,
# see cleaning.py), so each kept ticker can cost the whole universe at most 5% of its history:
# enough to keep a stock with a few missing days or a late listing of a few weeks, not one
# that joined the index half-way through the window and would shrink everybody's sample.
MAX_MISSING_SHARE = 0.05


@dataclass(frozen=True)
class EstimationOptions:
    """The window, sampling and estimator; ``frequency=None`` keeps the data's own frequency.

    ``start`` and ``end`` are inclusive calendar dates.
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    frequency: str | None = None
    return_kind: str = "simple"
    estimator: str = "sample"
    ddof: int = 1
    max_missing: float = MAX_MISSING_SHARE
    detect_jumps: bool = True

    @classmethod
    def pop_from(cls, options: dict[str, Any]) -> "EstimationOptions":
        """Take the estimation options out of ``options`` (the rest is source-specific)."""
        values = {name: options.pop(name) for name in list(options) if name in cls.__dataclass_fields__}
        parsed = cls(**values)
        parsed._validate()
        return parsed

    def _validate(self) -> None:
        object.__setattr__(self, "start", _parse_date("start", self.start))
        object.__setattr__(self, "end", _parse_date("end", self.end))
        if self.start is not None and self.end is not None and self.start > self.end:
            raise GeoError(
                f"start {self.start.date()} is after end {self.end.date()}",
                "give a start date before the end date",
            )
        _check_choice("frequency", self.frequency, FREQUENCIES, allow_none=True)
        _check_choice("return_kind", self.return_kind, RETURN_KINDS)
        _check_choice("estimator", self.estimator, ESTIMATORS)
        if isinstance(self.ddof, bool) or not isinstance(self.ddof, int) or self.ddof < 0:
            raise GeoError(f"ddof must be a non-negative integer, got {self.ddof!r}", "use ddof=1 (unbiased) or ddof=0")
        try:
            share = float(self.max_missing)
        except (TypeError, ValueError):
            share = -1.0
        if not 0.0 <= share <= 1.0:
            raise GeoError(
                f"max_missing must be a share between 0 and 1, got {self.max_missing!r}",
                f"use e.g. max_missing={MAX_MISSING_SHARE}",
            )
        object.__setattr__(self, "max_missing", share)
        object.__setattr__(self, "detect_jumps", parse_bool(self.detect_jumps, "detect_jumps"))

    def as_metadata(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = None if self.start is None else self.start.date().isoformat()
        out["end"] = None if self.end is None else self.end.date().isoformat()
        return out


def reject_unknown(options: dict[str, Any], source: str, accepted: tuple[str, ...]) -> None:
    """Leftover options are typos or options of another source: say which ones are valid."""
    if options:
        names = ", ".join(sorted(options))
        valid = ", ".join(accepted) if accepted else "none"
        raise GeoError(f"unknown option(s) {names} for {source} data", f"the options accepted are: {valid}")


def _parse_date(name: str, value: Any) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise GeoError(f"{name}={value!r} is not a date", f"write {name} as YYYY-MM-DD")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def parse_bool(value: Any, name: str = "option") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise GeoError(f"{name}={value!r} is not true or false", f"use {name}=true or {name}=false")


def _check_choice(name: str, value: Any, choices: tuple[str, ...], allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value not in choices:
        raise GeoError(f"{name}={value!r} is not supported", f"use one of {', '.join(choices)}")


ESTIMATION_OPTION_NAMES = tuple(EstimationOptions.__dataclass_fields__)
