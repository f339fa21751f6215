"""The alert engine as a daemon service: bus subscription -> the alert stages -> notify.

It owns three tasks, started in ``start`` and ended in ``stop``: the evaluation
loop (its own bounded subscription on the result bus; it runs the stages of
``alerts.pipeline`` up to the outbox), the outbox deliverer (the notify stage), and
housekeeping (auto-close, pruning). ``stop`` drains what is buffered and saves
every live alert, so a restart resumes mid-incident without a duplicate message.

In a cluster the engine evaluates only the targets this node owns
(``Runtime.coordination``): results of others are dropped, and a handover is
applied at the top of the next round, before any result of a gained target is
evaluated: alerts of lost targets are saved and dropped, those of gained targets
loaded from the state store and resumed exactly as a restart resumes them.
Auto-close and outbox pruning run on the leader only.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter, Gauge

from alerts.alert_repo import AlertRepo
from alerts.delivery import Deliverer
from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy
from alerts.lifecycle import digests_from_json, digests_to_json
from alerts.outbox import Outbox
from alerts.pipeline import Pipeline
from alerts.rules import compile_rules
from alerts.silences import Silence, SilenceBook, SilenceSpec
from alerts.state import Alert
from monitord.bus import Subscription
from monitord.clock import Clock
from monitord.config.loader import LoadedConfig
from monitord.config.notify import NotifyConfig
from monitord.intake.syslog.tally import KIND as SYSLOG_KIND
from monitord.pos.evaluator import STORE_KIND, TERMINAL_KIND
from monitord.pos.register import store_router
from monitord.results import now_ns
from monitord.runtime import Runtime
from monitord.store.probe_state import ProbeStateRepo

log = logging.getLogger("monitord.alerts")

BATCH = 10_000
SNAPSHOT_EVERY = 60.0
HOUSEKEEPING_EVERY = 60.0
HOUSEKEEPING_POLL = 1.0  # real seconds between looks at the (possibly shifted) clock
DELIVERED_KEPT = 30 * 86400.0
NOTIFIER_HEALTH = "alerts:notifier"
STOP_BUDGET = 7.5  # seconds for all of stop(), inside the daemon's default 10 s shutdown_timeout
SAVE_RESERVE = 1.5  # of STOP_BUDGET, kept for the final save of alert state
# Where the probe digests of the running configuration are kept (``probe_state``).
DIGESTS_KEY = ("alerts", "", "probe-digests")


def delivery_config(loaded: LoadedConfig) -> NotifyConfig:
    """The routes the outbox delivers through: ``notify.routes`` plus each technician's contact
    (messages to an assignee; no alert is routed to one)."""
    config = loaded.config
    contacts = config.repairs.contact_routes()
    if not contacts:
        return config.notify
    return config.notify.model_copy(update={"routes": [*config.notify.routes, *contacts]})


def _policy(loaded: LoadedConfig) -> FlapPolicy:
    flapping = loaded.config.alerts.flapping
    return FlapPolicy(flapping.enabled, flapping.window, flapping.high, flapping.low)


def _topology(loaded: LoadedConfig) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Parents and existing names of alert targets that are not probe targets: a POS store
    sits behind its WAN router (one outage, one page) and its terminals behind the store."""
    stores = loaded.config.pos.stores if loaded.config.pos.enabled else {}
    parents: dict[str, str] = {}
    for name in stores:
        router = store_router(loaded, name)
        if router is not None:
            parents[name] = router
    names = frozenset(stores)
    present = {STORE_KIND: names, TERMINAL_KIND: names}
    # Syslog senders are targets (monitord/intake/syslog, kind "syslog"): a target removed
    # by a reload, or the receiver switched off, ends its syslog alerts. Unknown senders kept
    # under their address are nobody's to vouch for; their alerts are left to their results.
    syslog = loaded.config.syslog
    if not syslog.enabled:
        present[SYSLOG_KIND] = frozenset()
    elif not syslog.keep_unknown:
        present[SYSLOG_KIND] = frozenset(resolved.target.name for resolved in loaded.targets)
    return parents, present


class AlertService:
    name = "alerts"

    def __init__(self, runtime: Runtime, clock: Clock | None = None) -> None:
        self.runtime = runtime
        self.clock: Clock = clock or runtime.clock
        loaded = runtime.loaded
        self.silences = SilenceBook()
        self.silences.set_config(loaded.config.alerts.silences)
        parents, present = _topology(loaded)
        self.evaluator = Evaluator(
            compile_rules(loaded.config.alerts.effective_rules()),
            loaded.targets,
            _policy(loaded),
            self.clock.now(),
            parents=parents,
            present=present,
        )
        # Evaluation rounds completed (tests wait for rounds instead of sleeping).
        self.rounds = 0
        self.housekept: float | None = None  # clock time of the last housekeeping
        self._next_housekeeping = self.clock.now() + HOUSEKEEPING_EVERY
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()
        self._ownership = runtime.coordination.ownership
        self._leadership = runtime.coordination.leadership
        self._gained: set[str] = set()
        self._handover = False
        self.handovers = 0  # handovers applied (tests wait for them)
        self.deliverer: Deliverer | None = None
        self.pipeline: Pipeline | None = None
        registry = runtime.registry
        self._evaluated = Counter(
            "monitord_alert_results_evaluated", "Results evaluated by alert rules", registry=registry
        )
        self._transitions = Counter(
            "monitord_alert_transitions", "Alert state changes", ["event"], registry=registry
        )
        self._firing = Gauge("monitord_alerts_firing", "Alerts firing now", registry=registry)
        self._firing.set_function(
            lambda: sum(1 for a in self.evaluator.alerts.values() if a.status == "firing")
        )

    async def start(self) -> None:
        store = self.runtime.state
        config = self.runtime.loaded.config
        saved = digests_from_json(await ProbeStateRepo(store).get(*DIGESTS_KEY))
        alerts = await AlertRepo(store).load()
        ownership = self._ownership
        if ownership.clustered:
            # Another node evaluates (and saves) the rest; holding them here would page twice.
            self.evaluator.scope = ownership.evaluates
            alerts = [a for a in alerts if ownership.evaluates(a.target)]
            ownership.on_handover(self._on_handover)
        # Alerts whose rule, target or probe the new file removed or changed end now.
        self.evaluator.restore(alerts, saved, self.clock.now())
        await self._save_digests()
        for silence in await AlertRepo(store).load_silences():
            self.silences.add(silence)
        health = self.runtime.health
        self.deliverer = Deliverer(
            Outbox(store, self.runtime.coordination.claims),
            delivery_config(self.runtime.loaded),
            self.runtime.registry,
            health=lambda ok, detail: health.set(NOTIFIER_HEALTH, ok, detail),
            clock=self.clock,
        )
        self.pipeline = Pipeline(
            self.evaluator,
            config.alerts,
            config.notify,
            store,
            silences=self.silences,
            wake=self.deliverer.wake,
            sites=config.sites,
        )
        self._subscription = self.runtime.bus.subscribe("alerts", config.alerts.buffer_size)
        self._tasks = [
            asyncio.create_task(self._evaluate_loop(), name="alerts:evaluate"),
            asyncio.create_task(self.deliverer.run(), name="alerts:notify"),
            asyncio.create_task(self._housekeeping(), name="alerts:housekeeping"),
        ]
        self.runtime.health.set("alerts", True, f"{len(self.evaluator.rules)} rules")
        self.runtime.health.set(NOTIFIER_HEALTH, True, "delivering")

    async def reload(self, loaded: LoadedConfig) -> None:
        async with self._lock:
            alerts = loaded.config.alerts
            parents, present = _topology(loaded)
            self.evaluator.configure(
                compile_rules(alerts.effective_rules()),
                loaded.targets,
                _policy(loaded),
                self.clock.now(),
                parents=parents,
                present=present,
                results_now_ns=now_ns(),
            )
            self.silences.set_config(alerts.silences)
            if self.pipeline is not None:
                self.pipeline.configure(alerts, loaded.config.notify, loaded.config.sites)
            if self.deliverer is not None:
                self.deliverer.config = delivery_config(loaded)
        try:
            await self._save_digests()
        except Exception as exc:  # the next reload or start writes them; alerts still end then
            log.error("could not save the probe digests of the new configuration: %s", exc)
        self.runtime.health.set("alerts", True, f"{len(self.evaluator.rules)} rules")

    async def _save_digests(self) -> None:
        """Remember what each probe measures, so a restart with a changed file ends its alerts."""
        await ProbeStateRepo(self.runtime.state).put(*DIGESTS_KEY, digests_to_json(self.evaluator.digests))

    async def stop(self) -> None:
        """Drain, deliver and save within ``STOP_BUDGET``; a cancellation of stop itself propagates."""
        if self._subscription is not None:
            self.runtime.bus.unsubscribe(self._subscription)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_BUDGET
        drain_until = deadline - SAVE_RESERVE
        try:
            evaluate = self._tasks[0] if self._tasks else None
            if evaluate is not None:
                # asyncio.wait neither cancels the task on timeout nor raises its exception.
                await asyncio.wait([evaluate], timeout=max(0.0, drain_until - loop.time()))
            if self.deliverer is not None and loop.time() < drain_until:
                try:
                    async with asyncio.timeout_at(drain_until):
                        await self.deliverer.deliver_due()
                except TimeoutError:
                    log.warning("outbox not fully delivered at shutdown; the rest goes out after restart")
                except Exception:
                    log.exception("outbox delivery at shutdown failed; it goes out after restart")
            tasks, self._tasks = self._tasks, []
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            for task in tasks:
                if not task.cancelled() and task.exception() is not None:
                    log.error("%s ended with an error: %r", task.get_name(), task.exception())
            if self.pipeline is not None:
                try:
                    async with asyncio.timeout_at(max(deadline, loop.time() + 0.5)):
                        await self.pipeline.alert_repo.save(
                            [
                                a
                                for a in self.evaluator.alerts.values()
                                if a.status != "inactive" or a.notified
                            ]
                        )
                except Exception:
                    log.exception("could not save alert state at shutdown; the last snapshot is kept")
        finally:
            for task in self._tasks:  # left only if stop() itself was cancelled
                task.cancel()
            if self.deliverer is not None:
                self.deliverer.close()

    # -- API helpers -----------------------------------------------------------------------

    async def add_silence(self, spec: SilenceSpec, actor: str) -> Silence:
        silence = Silence.from_spec(spec, created_by=actor, source="api")
        await AlertRepo(self.runtime.state).add_silence(silence)
        self.silences.add(silence)
        return silence

    async def remove_silence(self, silence_id: str) -> Silence | None:
        silence = self.silences.remove(silence_id)
        if silence is not None:
            await AlertRepo(self.runtime.state).delete_silence(silence_id)
        return silence

    # -- loops -----------------------------------------------------------------------------

    async def _evaluate_loop(self) -> None:
        subscription = self._subscription
        pipeline = self.pipeline
        assert subscription is not None and pipeline is not None
        interval = self.runtime.loaded.config.alerts.evaluation_interval
        clock = self.clock
        last_tick = 0.0
        last_snapshot = clock.now()
        failing = False
        while True:
            next_flush = pipeline.next_flush()
            now = clock.now()
            wait = interval if next_flush is None else max(0.0, min(interval, next_flush - now))
            batch = await subscription.get_batch(BATCH, timeout=wait)
            now = clock.now()
            if self._ownership.clustered:
                evaluates = self._ownership.evaluates
                batch = [r for r in batch if evaluates(r.target)]
            try:
                async with self._lock:
                    if self._handover:
                        await self._apply_handover(now)
                    if batch:
                        self.evaluator.evaluate(batch, now)
                        self._evaluated.inc(len(batch))
                    tick = now - last_tick >= interval
                    if tick:
                        self.evaluator.check_absence(now)
                    transitions = await self._record(pipeline, now)
                    if tick:
                        last_tick = now
                    await pipeline.planner.plan(now, changed=transitions > 0, tick=tick)
                    await pipeline.flusher.flush(now)
                    if now - last_snapshot >= SNAPSHOT_EVERY:
                        last_snapshot = now
                        await pipeline.alert_repo.save(
                            [a for a in self.evaluator.alerts.values() if a.status != "inactive"]
                        )
                if failing:
                    failing = False
                    log.info("alert engine writes to the state store again")
                    self.runtime.health.set("alerts", True, f"{len(self.evaluator.rules)} rules")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # State stays in memory and every change is re-planned next round.
                if not failing:
                    log.exception("alert engine failed to record a change: %s", exc)
                    failing = True
                self.runtime.health.set("alerts", False, f"state store: {exc}")
                await asyncio.sleep(1.0)
            self.rounds += 1
            if subscription.closed and not len(subscription):
                return

    # -- cluster handover ------------------------------------------------------------------

    def _on_handover(self, gained: frozenset[str], lost: frozenset[str]) -> None:
        """Ownership moved (called by the cluster service); applied at the next round."""
        self._gained |= gained
        self._gained -= lost
        self._handover = True

    async def _apply_handover(self, now: float) -> None:
        """Save and drop what this node lost; load and resume what it gained.

        A failure (the state store is out of reach) leaves the handover pending and
        that round's results unevaluated, so no gained target is ever judged
        without its saved state; the stored rows of gained targets replace whatever
        is in memory for them."""
        evaluates = self._ownership.evaluates
        released = self.evaluator.release(evaluates)
        if released:
            try:
                await AlertRepo(self.runtime.state).save(released)
            except Exception as exc:  # the new owner resumes from the last saved state
                log.warning("could not save %d handed-over alerts: %s", len(released), exc)
        adopted: list[Alert] = []
        if self._gained or not released:
            # Something may have arrived (targets, or names the leader evaluates): load it.
            known = self.evaluator.alerts
            rows = await AlertRepo(self.runtime.state).load()
            gained = self._gained
            adopted = [
                a for a in rows if evaluates(a.target) and (a.target in gained or a.fingerprint not in known)
            ]
            self.evaluator.adopt(adopted, self._gained, now)
        if released or adopted or self._gained:
            log.info(
                "handover: %d targets gained, %d alerts taken over, %d handed on",
                len(self._gained),
                len(adopted),
                len(released),
            )
        self._gained = set()
        self._handover = False
        self.handovers += 1

    async def _record(self, pipeline: Pipeline, now: float) -> int:
        """Write this round's transitions; on failure keep them for the next round."""
        evaluator = self.evaluator
        transitions, dirty = evaluator.take()
        evidence = evaluator.take_evidence()
        if not (transitions or dirty or evidence):
            return 0
        try:
            await pipeline.recorder.record(transitions, dirty, now, evidence)
        except BaseException:
            evaluator.put_back(transitions, dirty, evidence)
            raise
        for transition in transitions:
            self._transitions.labels(event=transition.event).inc()
        return len(transitions)

    async def _housekeeping(self) -> None:
        """Run ``housekeep`` every ``HOUSEKEEPING_EVERY`` seconds of the engine's clock."""
        while True:
            await asyncio.sleep(HOUSEKEEPING_POLL)
            now = self.clock.now()
            if now < self._next_housekeeping:
                continue
            self._next_housekeeping = now + HOUSEKEEPING_EVERY
            try:
                await self.housekeep(now)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alert housekeeping failed; trying again later")

    async def housekeep(self, now: float) -> None:
        """Auto-close quiet tickets and prune delivered messages (the leader's part), forget
        idle groups and alerts (every node's)."""
        assert self.pipeline is not None and self.deliverer is not None
        tickets = self.runtime.loaded.config.alerts.tickets
        if self._leadership.leading():  # singletons: on the leader only in a cluster
            closed = await self.pipeline.tickets.auto_close(tickets.auto_close_after, now)
            if closed:
                log.info("auto-closed %d quiet tickets", len(closed))
            await self.deliverer.outbox.prune(now - DELIVERED_KEPT)
        self.pipeline.groups.forget_idle(now, 86400.0)
        async with self._lock:
            gone = self.evaluator.forget_quiet(set())
        await self.pipeline.alert_repo.drop(gone)
        self.housekept = now


def alert_service(runtime: Runtime) -> AlertService | None:
    """The SERVICE_FACTORIES entry: on unless ``alerts.enabled`` is false."""
    if not runtime.loaded.config.alerts.enabled:
        return None
    return AlertService(runtime)
