"""One line of the benchmark table, and the table as markdown.

Every benchmark module offers ``rows() -> list[Row]``: each figure beside
the peer or limit it was measured against in the same run (DESIGN.md 14:
these machines are noisy, so only side-by-side figures mean anything), with
the target from DESIGN.md section 14 where there is one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Row", "markdown"]


@dataclass(frozen=True)
class Row:
    """``figure`` = ``value`` ``unit``, beside ``peer`` = ``peer_value`` (a peer or a limit).

    ``target`` is the words of DESIGN.md 14 (empty: no target, the figure is
    for information) and ``met`` whether this run met it (``None``: no target).
    """

    figure: str
    value: float
    unit: str
    peer: str
    peer_value: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        """``value / peer_value``; None without a peer value (or with a zero one)."""
        if self.peer_value is None or self.peer_value == 0:
            return None
        return self.value / self.peer_value


def _number(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "-"
    if value == 0:
        text = "0"
    elif value == int(value) and abs(value) >= 1:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
    return f"{text} {unit}".strip()


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    if ratio >= 0.01:
        return f"{ratio:.2f}x"
    return f"1/{1 / ratio:,.0f}" if ratio > 0 else "0x"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: Sequence[Row]) -> str:
    """The rows as a markdown table: figure, value, peer or limit, its value, ratio, target, met."""
    lines = [
        "| figure | value | peer or limit | peer value | ratio | target (DESIGN.md 14) | met |",
        "|---|---:|---|---:|---:|---|:---:|",
    ]
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        cells = [
            row.figure,
            _number(row.value, row.unit),
            row.peer,
            _number(row.peer_value, row.unit),
            _ratio(row.ratio),
            row.target or "-",
            met,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
