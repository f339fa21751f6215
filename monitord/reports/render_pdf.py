"""PDF through WeasyPrint, from the same HTML page.

WeasyPrint is synchronous and takes a second or more for a long report, so
callers run ``pdf_bytes`` in a thread (``asyncio.to_thread``), never on the
event loop. The page has no external resources; ``base_url`` points nowhere
useful on purpose, and the URL fetcher refuses everything, so a crafted name in
a report can never make the daemon fetch a URL or read a file.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from monitord.errors import MonitordError

# WeasyPrint logs each rendering step at INFO and fontTools each subset: not daemon news.
for _noisy in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


class PdfUnavailable(MonitordError, RuntimeError):
    """WeasyPrint or its system libraries (Pango) are missing."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"reports fetch nothing (asked for {url[:60]!r})")


def pdf_bytes(html: str) -> bytes:
    """The rendered PDF (blocking: call it in a thread)."""
    try:
        import weasyprint  # noqa: PLC0415  ~0.5 s to import with Pango; only PDFs need it
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(f"PDF output needs WeasyPrint and Pango: {exc}") from None
    document = weasyprint.HTML(string=html, base_url="about:blank", url_fetcher=_refuse)
    result: bytes = document.write_pdf()
    return result
