"""Turn a report context into HTML (Jinja2), PDF (WeasyPrint) and the weights CSV; write them.

PDF renderer: WeasyPrint (from the package index). It lays out the same HTML and CSS as the
browser, including the inline SVG figures, with print rules (``@page``) from the same
stylesheet. It needs Pango (Debian's libpango-1.0-0 and libpangoft2-1.0-0) at run time; when
they are missing the PDF step fails with a one-line error naming them. xhtml2pdf (pure
Python) was the alternative, but it handles neither inline SVG nor most of the CSS.

Outputs are all-or-nothing: everything is rendered in memory first, then every file is
written to a temporary file beside its target and renamed into place only when all of them
were written (``geo.core.atomic``). An error leaves no partial file behind.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
from pathlib import Path
from typing import Any

import jinja2

from geo.core.atomic import atomic_write
from geo.core.errors import GeoError
from geo.report.inputs import ReportInput

TEMPLATE = "report.html.j2"
WEIGHTS_COLUMNS = ("method", "target_return", "ticker", "weight", "point")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("geo.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=fmt_number, pct=fmt_percent, share=fmt_share, weight=fmt_weight, sci=fmt_sci,
                       count=fmt_count, seconds=fmt_seconds, text=fmt_text)
    return env


def render_html(context: dict[str, Any]) -> str:
    return environment().get_template(TEMPLATE).render(**context)


def render_pdf(html: str) -> bytes:
    """The HTML laid out as a PDF by WeasyPrint."""
    try:
        import weasyprint
    except ImportError:
        raise GeoError("the PDF renderer WeasyPrint is not installed",
                       "pip install weasyprint (or leave out --pdf)") from None
    except OSError as exc:  # WeasyPrint loads Pango through ctypes when imported
        raise GeoError(f"WeasyPrint cannot load its system libraries ({exc})",
                       "install Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0") from None
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # it warns about every CSS property it does not know
    try:
        return weasyprint.HTML(string=html).write_pdf()
    finally:
        logger.setLevel(level)


def weights_csv(inputs: list[ReportInput]) -> str:
    """Every weight of every point of every result: method, target_return, ticker, weight, point.

    ``method`` is the label used in the report; ``point`` the 1-based point number.
    ``target_return`` is empty for a risk-aversion frontier. Infeasible points hold no weights.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(WEIGHTS_COLUMNS)
    for item in inputs:
        target_return = item.result.objective == "target-return"
        for number, point in enumerate(item.result.points, start=1):
            for ticker, weight in point.weights.items():
                writer.writerow([item.label, repr(point.parameter) if target_return else "", ticker, repr(weight),
                                 number])
    return buffer.getvalue()


def write_outputs(files: dict[Path, str | bytes]) -> None:
    """Write every file, or none: all are staged as temporary files, then renamed together."""
    paths = [Path(p) for p in files]
    if len({p.resolve() for p in paths}) != len(paths):
        raise GeoError("two outputs of the report have the same path", "give --output, --pdf and --weights-csv "
                       "different files")
    with contextlib.ExitStack() as stack:
        for path, content in files.items():
            mode = "wb" if isinstance(content, bytes) else "w"
            try:
                handle = stack.enter_context(atomic_write(path, mode))
            except OSError as exc:
                raise GeoError(f"cannot write {path} ({exc.strerror or exc})", "check the folder exists and is "
                               "writable") from None
            handle.write(content)


# -- template filters: None and NaN read as a dash ---------------------------------------------
DASH = "\u2014"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def fmt_number(value: Any, digits: int = 4) -> str:
    return DASH if _missing(value) else f"{float(value):.{digits}g}"


def fmt_percent(value: Any, decimals: int = 3) -> str:
    """A value already in percent (a gap, a Chang error): fixed decimals, to compare with 0.05%."""
    return DASH if _missing(value) else f"{float(value):.{decimals}f}%"


def fmt_share(value: Any, decimals: int = 1) -> str:
    """A fraction 0..1 as a percentage."""
    return DASH if _missing(value) else f"{100 * float(value):.{decimals}f}%"


def fmt_weight(value: Any) -> str:
    return "" if _missing(value) or value == 0 else f"{100 * float(value):.2f}%"


def fmt_sci(value: Any, digits: int = 4) -> str:
    return DASH if _missing(value) else f"{float(value):.{digits - 1}e}"


def fmt_count(value: Any) -> str:
    return DASH if _missing(value) else f"{int(value):,}"


def fmt_seconds(value: Any) -> str:
    return DASH if _missing(value) else f"{float(value):.2f} s"


def fmt_text(value: Any) -> str:
    """Any metadata value: a dash when missing, numbers compactly, lists joined."""
    if _missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_text(v) for v in value) or DASH
    return str(value)
