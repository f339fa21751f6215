"""CSV: one file per table, alone (``?table=NAME``) or all of them in a zip.

Numbers are written plain (no thousands separators, percentages as numbers),
"no data" as an empty field, so a spreadsheet reads them as they are. A cell
that starts like a formula (``=``, ``+``, ``-``, ``@``) and is text gets a
leading apostrophe, so a target named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
import zipfile

from monitord.errors import RequestError
from monitord.reports.model import Cell, Report, Table

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA) else value
    return repr(value) if isinstance(value, float) else str(value)


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    for row in table.rows:
        writer.writerow([_plain(v) for v in row])
    return out.getvalue()


def pick_table(report: Report, name: str) -> Table:
    table = report.table(name)
    if table is None:
        names = ", ".join(t.name for t in report.tables())
        raise RequestError(f"no table {name!r} in this report (tables: {names})", field="table", status=422)
    return table


def report_zip(report: Report) -> bytes:
    """Every table as ``NAME.csv`` in one zip (deterministic: fixed timestamps)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in report.tables():
            info = zipfile.ZipInfo(f"{table.name}.csv", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, table_csv(table))
    return out.getvalue()
