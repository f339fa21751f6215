"""What a report is, independent of its format: sections of figures, tables and charts.

Every renderer (HTML, CSV, PDF) reads only these values, so the three formats
always show the same numbers. A cell is a string, a number or None ("no data");
percentages are numbers (0-100) formatted by the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from monitord.reports.periods import Period

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # CSV header
    title: str  # shown in HTML/PDF
    unit: Literal["", "%", "min", "h", "count", "time"] = ""


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # the CSV file name (``?table=``) without .csv
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    note: str = ""  # shown under the table, e.g. why it is empty


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart of percentages (0-100), one bar per label."""

    title: str
    labels: list[str]
    values: list[float | None]
    goal: float | None = None  # a dashed line (e.g. 99.5 %)


@dataclass(frozen=True, slots=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    kind: str
    title: str
    period: Period
    generated_at: float
    as_of: float  # figures are measured up to here (the period's end, or now)
    sections: list[Section]

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables() if t.name == name), None)


def percent(part: float, whole: float) -> float | None:
    """``part / whole`` as a percentage rounded to 3 decimals; None when ``whole`` is 0."""
    return None if whole <= 0 else round(100.0 * part / whole, 3)
