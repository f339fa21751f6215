"""Stage: mute. The one place that decides whether an alert may be announced, and where.

An alert is muted while a silence matches its labels or while an ancestor of its
target is down (its incident speaks for it: see ``alerts.dependencies``); an
alert that is not muted goes to the routes that take its labels. Planning,
reminders and the flush all ask this stage, so the three can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.dependencies import Dependencies, DownTarget
from alerts.evaluator import Evaluator
from alerts.routing import match_key, routes_for
from alerts.silences import SilenceBook
from alerts.state import Alert
from monitord.config.notify import RouteConfig


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the mute stage decided about one alert at one moment."""

    routes: tuple[RouteConfig, ...]  # empty while muted
    silenced: bool = False
    behind: DownTarget | None = None  # the down ancestor whose incident speaks for it

    @property
    def muted(self) -> bool:
        return self.silenced or self.behind is not None


SILENCED = Verdict((), silenced=True)


class Mute:
    """Silences, down parents and routes, judged on one snapshot per call."""

    def __init__(
        self, evaluator: Evaluator, silences: SilenceBook, routes: Sequence[RouteConfig], grace: float
    ) -> None:
        self._evaluator = evaluator
        self._silences = silences
        self._routes = list(routes)
        self._grace = grace

    def judge(self, alerts: Iterable[Alert], now: float) -> dict[str, Verdict]:
        """A verdict per fingerprint; who is down is taken once, at ``now``, for all of them."""
        deps = Dependencies(self._evaluator, self._grace, now)
        moment = datetime.fromtimestamp(now, UTC)
        verdicts: dict[str, Verdict] = {}
        # A storm's alerts share a few verdicts: the same incident, the same set of routes.
        held: dict[str, Verdict] = {}
        routed: dict[tuple[str | None, ...], Verdict] = {}
        for alert in alerts:
            if self._silences.muted(alert.labels, moment):
                verdicts[alert.fingerprint] = SILENCED
                continue
            behind = deps.down_ancestor(alert.target)
            if behind is not None:
                verdict = held.get(behind.target)
                if verdict is None:
                    verdict = held[behind.target] = Verdict((), behind=behind)
                verdicts[alert.fingerprint] = verdict
                continue
            key = match_key(alert.labels)
            verdict = routed.get(key)
            if verdict is None:
                verdict = routed[key] = Verdict(tuple(routes_for(self._routes, alert.labels)))
            verdicts[alert.fingerprint] = verdict
        return verdicts
