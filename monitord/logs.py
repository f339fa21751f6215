"""Logging to stderr for journald: one line per event, syslog priorities when under systemd."""

from __future__ import annotations

import logging
import os
import re
import sys

_PRIORITY = {
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}


_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://\S+")


class RedactUrls(logging.Filter):
    """Replace every URL in a record with its scheme: apprise logs the notification URLs it
    cannot parse in full, and those hold tokens and passwords."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "://" in message:
            record.msg = _URL.sub(lambda m: m.group(0).partition("://")[0] + "://<redacted>", message)
            record.args = None
        return True


def redact_apprise_urls() -> None:
    """Install ``RedactUrls`` on apprise's logger, once."""
    logger = logging.getLogger("apprise")
    if not any(isinstance(f, RedactUrls) for f in logger.filters):
        logger.addFilter(RedactUrls())


class JournalFormatter(logging.Formatter):
    """``<N>logger: message``: journald reads ``<N>`` as the priority and adds the time."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", "\n  ")
        return f"<{_PRIORITY.get(record.levelno, 6)}>{text}"


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log every retry or connection at INFO would drown transitions.
    for noisy in ("asyncssh", "aiohttp.access", "apprise", "urllib3", "alembic", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    redact_apprise_urls()
