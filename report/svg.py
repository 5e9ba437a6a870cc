"""Tiny helpers to write SVG and HTML by hand: escaping, numbers, elements, colours.

Every interactive element carries `data-tip`: lines of `label: value` separated by
newlines, which the page's script shows on hover and pins on click.
"""

from __future__ import annotations

from html import escape

RISK_COLOURS = {"low": "#9ad3a5", "medium": "#f6cf6a", "high": "#ee7b74"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(value: float | None, digits: int = 1) -> str:
    """A number for a tooltip or label: thousands separators, no trailing zeros."""
    if value is None:
        return "-"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def c(value: float) -> str:
    """A coordinate with two decimals (the map's viewBox is 1000 wide)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def tip(rows: list[tuple[str, object]] | list[str]) -> str:
    """The `data-tip` attribute for a list of (label, value) rows or plain lines."""
    lines = [r if isinstance(r, str) else f"{r[0]}: {r[1]}" for r in rows]
    return f' data-tip="{esc(chr(10).join(lines))}"'


def points(xy: list[tuple[float, float]]) -> str:
    return " ".join(f"{c(x)},{c(y)}" for x, y in xy)


def pct(part: float, whole: float) -> str:
    return "-" if not whole else f"{100 * part / whole:.0f}%"


def heat(fraction: float) -> str:
    """Green (empty) through amber to red (full) for an occupancy fraction."""
    f = max(0.0, min(1.0, fraction))
    if f < 0.5:
        r, g, b = _mix((76, 175, 80), (255, 193, 7), f / 0.5)
    else:
        r, g, b = _mix((255, 193, 7), (211, 47, 47), (f - 0.5) / 0.5)
    return f"#{r:02x}{g:02x}{b:02x}"


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]
