"""Stage: notify. Send one message to one apprise URL and say what became of it.

The answer is one of three (``Outcome``): sent; retry (the endpoint refused, did
not answer in time, or the sender failed: worth trying again later); give up (no
later attempt can succeed: apprise does not accept the URL at all). apprise
never raises for a failed send and runs blocking senders, so each send runs on
this sender's own small thread pool (one slow endpoint cannot starve the event
loop's default executor) and is bounded by ``timeout`` (and apprise's own socket
timeouts). Reasons never contain the URL: it holds secrets.
"""

from __future__ import annotations

import asyncio
import enum
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from monitord.errors import MonitordError
from monitord.logs import redact_apprise_urls

HEADER_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
IDEMPOTENCY_HEADER = "X-Idempotency-Key"


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"
    GIVE_UP = "give up"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    reason: str = ""  # why not sent; never the URL

    @classmethod
    def sent(cls) -> SendResult:
        return cls(Outcome.SENT)


SENT = SendResult.sent()


class UrlRejected(MonitordError, ValueError):
    """apprise cannot parse or instantiate the URL: no retry can help."""


def with_key(url: str, key: str) -> str:
    """``url`` plus the idempotency header, for schemes that send custom headers."""
    scheme = url.partition("://")[0].lower()
    if scheme not in HEADER_SCHEMES:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}+{IDEMPOTENCY_HEADER}={key}"


def send_blocking(  # noqa: PLR0917
    url: str, title: str, body: str, notify_type: str, timeout: float, attachments: tuple[str, ...] = ()
) -> bool:
    """One synchronous apprise send; raises ``UrlRejected`` for a URL apprise refuses.

    ``attachments`` are file paths (a scheduled report's PDF); apprise reads them at send time.
    """
    import apprise  # noqa: PLC0415  apprise costs ~70 ms to import; CLI commands never send

    sender = apprise.Apprise()
    if not sender.add(url):
        raise UrlRejected("apprise does not accept the URL")
    for plugin in sender:
        plugin.socket_connect_timeout = min(timeout, 10.0)
        plugin.socket_read_timeout = timeout
    attach = list(attachments) if attachments else None
    return bool(sender.notify(body=body, title=title, notify_type=notify_type, attach=attach))


class AppriseSender:
    def __init__(self, workers: int) -> None:
        redact_apprise_urls()  # apprise logs a URL it rejects in full, secrets and all
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apprise")

    async def send(  # noqa: PLR0917
        self,
        url: str,
        title: str,
        body: str,
        notify_type: str,
        timeout: float,
        attachments: tuple[str, ...] = (),
    ) -> SendResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.run_in_executor(
            self._pool, send_blocking, url, title, body, notify_type, timeout, attachments
        )
        try:
            async with asyncio.timeout(timeout + 5.0):
                ok = await asyncio.shield(future)
        except TimeoutError:
            return SendResult(Outcome.RETRY, f"no answer within {timeout:g}s")
        except UrlRejected as exc:
            return SendResult(Outcome.GIVE_UP, str(exc))
        except Exception as exc:
            # Retried with backoff like a refusal; the type only, as the text may hold the URL.
            return SendResult(Outcome.RETRY, f"the sender failed ({type(exc).__name__})")
        return SENT if ok else SendResult(Outcome.RETRY, "the endpoint did not accept the message")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
