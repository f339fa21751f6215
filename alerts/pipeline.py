"""The alert stages after evaluation, wired together for one configuration.

    evaluate (alerts.evaluator) -> record (alerts.recorder) -> mute (alerts.mute)
      -> group (alerts.planner, alerts.grouping) -> outbox (alerts.flusher)
      -> notify (alerts.delivery, alerts.sender)

Each stage is one small object with one method. The service runs evaluate,
record, group and outbox in its evaluation loop and the notify stage on its own
task; the outbox table between them is the durable seam. A reload builds new
stages around the same evaluator, silences, groups and store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from alerts.alert_repo import AlertRepo
from alerts.evaluator import Evaluator
from alerts.flusher import Flusher
from alerts.grouping import GroupBook
from alerts.mute import Mute
from alerts.planner import Planner
from alerts.recorder import Recorder
from alerts.silences import SilenceBook
from alerts.templates import site_zones
from alerts.tickets import TicketRepo
from monitord.config.alerts import AlertsConfig
from monitord.config.notify import NotifyConfig
from monitord.config.targets import SiteConfig
from monitord.store.engine import StateStore


class Pipeline:
    def __init__(
        self,
        evaluator: Evaluator,
        alerts: AlertsConfig,
        notify: NotifyConfig,
        store: StateStore,
        *,
        silences: SilenceBook,
        wake: Callable[[], None],
        sites: Mapping[str, SiteConfig] | None = None,
    ) -> None:
        self.evaluator = evaluator
        self.store = store
        self.silences = silences
        self.alert_repo = AlertRepo(store)
        self.groups = GroupBook()
        self._wake = wake
        self._zones: dict[str, str] = {}
        self.configure(alerts, notify, sites)

    def configure(
        self, alerts: AlertsConfig, notify: NotifyConfig, sites: Mapping[str, SiteConfig] | None = None
    ) -> None:
        """(Re)build the stages for this configuration; what they hold between rounds stays."""
        if sites is not None:
            self._zones = site_zones(sites)
        self.tickets = TicketRepo(self.store, alerts.tickets.recurring_window, self._wake)
        grace = alerts.dependency_grace
        self.recorder = Recorder(self.evaluator, self.store, self.tickets, self.alert_repo, grace)
        self.mute = Mute(self.evaluator, self.silences, notify.routes, grace)
        self.planner = Planner(self.evaluator, self.mute, self.groups, notify, self.store)
        self.flusher = Flusher(
            self.evaluator,
            self.mute,
            self.groups,
            notify,
            self.store,
            tickets=self.tickets,
            alert_repo=self.alert_repo,
            zones=self._zones,
            wake=self._wake,
        )

    def next_flush(self) -> float | None:
        """When the next group is due (the evaluation loop sleeps no longer than that)."""
        return self.groups.next_flush()
