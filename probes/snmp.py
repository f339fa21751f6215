"""SNMP probe: system, interfaces (IF-MIB), host resources and custom OIDs, with rates.

v1/v2c go through ``monitord.snmp.client`` (aiosnmp's codec on one shared UDP
socket); v3 through pysnmp 7 (``monitord.snmp.v3``). Every poll reads
sysUpTime first: it is the verdict ("does the agent answer?") and what tells a
device restart from a counter wrap. Counter baselines live in this instance,
per target, and ``forget`` drops them.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from monitord.config.durations import PositiveDuration
from monitord.config.secrets import Secret
from monitord.results import FieldValue, ProbeResult, now_ns
from monitord.snmp import measurements
from monitord.snmp.client import SnmpTransport, V2cSession, resolve
from monitord.snmp.errors import SnmpAuthError, SnmpError, SnmpErrorStatus, SnmpTimeout
from monitord.snmp.profiles import (
    CustomOid,
    CustomType,
    read_custom,
    read_host,
    read_interfaces,
    read_system,
)
from monitord.snmp.rates import RatePoll, TargetCounters
from monitord.snmp.session import SnmpSession
from monitord.snmp.table import WalkError
from monitord.snmp.v3 import AuthProtocol, PrivProtocol, V3Engine, V3Session
from monitord.snmp.values import normalize_oid
from probes.base import ProbeContext, ProbeKind, ProbeSettings, ProbeTarget

BUILTIN_PROFILES = ("system", "interfaces", "host")
FIELD_NAME = r"^[a-z][a-z0-9_]{0,62}$"
# Measurements and fields this kind writes ("number" or "text"): the Grafana dashboards must show
# each one (tests/grafana/test_coverage.py); keep it next to the code that fills them.
# Custom profiles add fields named in the config (to snmp_system): not declarable here.
WRITES: dict[str, dict[str, str]] = {
    "snmp_system": {
        **dict.fromkeys(
            (
                "up",
                "uptime_s",
                "rebooted",
                "response_ms",
                "profile_errors",
                "missing_oids",
                "interfaces",
                "interfaces_up",
                "interfaces_down",
                "cpu_load_avg",
                "cpu_load_max",
                "disk_used_pct_max",
                "memory_used_pct",
            ),
            "number",
        ),
        **dict.fromkeys(("sys_name", "sys_descr", "sys_object_id", "error"), "text"),
    },
    "snmp_interface": dict.fromkeys(
        (
            "up",
            "oper_down",
            "described_down",
            "admin_status",
            "oper_status",
            "speed_mbps",
            "counter_bits",
            "in_octets",
            "out_octets",
            "in_ucast_pkts",
            "out_ucast_pkts",
            "in_errors",
            "out_errors",
            "in_discards",
            "out_discards",
            "in_bps",
            "out_bps",
            "in_util_pct",
            "out_util_pct",
            "util_pct",
            "in_pps",
            "out_pps",
            "in_errors_per_s",
            "out_errors_per_s",
            "in_discards_per_s",
            "out_discards_per_s",
            "errors_per_s",
        ),
        "number",
    ),
    "snmp_storage": dict.fromkeys(("up", "size_bytes", "used_bytes", "used_pct"), "number"),
}


class V3Settings(BaseModel):
    """SNMPv3 USM credentials; ``authPriv`` needs both keys (8+ characters each)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = Field(
        min_length=1,
        max_length=32,
        description="USM user name; agents with different keys need distinct names.",
    )
    auth_protocol: AuthProtocol = Field(default="SHA", description="Authentication digest.")
    auth_key: Secret | None = Field(
        default=None, description="Authentication key (secret, 8+ characters); none: noAuthNoPriv."
    )
    priv_protocol: PrivProtocol = Field(default="AES", description="Privacy cipher (AES is AES-128).")
    priv_key: Secret | None = Field(
        default=None, description="Privacy key (secret, 8+ characters); needs auth_key (authPriv)."
    )
    context: str = Field(default="", description="SNMPv3 context name.")

    @field_validator("auth_key", "priv_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 8:
            raise ValueError("USM keys must be at least 8 characters")
        return value

    @model_validator(mode="after")
    def _levels(self) -> V3Settings:
        if self.priv_key is not None and self.auth_key is None:
            raise ValueError("priv_key needs auth_key (there is no noAuthPriv level)")
        return self

    @property
    def level(self) -> str:
        if self.priv_key is not None:
            return "authPriv"
        return "authNoPriv" if self.auth_key is not None else "noAuthNoPriv"


class CustomOidSettings(BaseModel):
    """One user-defined scalar OID: the field name it is written as and how to read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=FIELD_NAME, description="Field name the value is written as.")
    oid: str = Field(description="Numeric OID of a scalar (e.g. 1.3.6.1.2.1.33.1.2.4.0).")
    type: CustomType = Field(
        default="gauge", description="gauge: a number; counter: also written as <name>_per_s; text: a string."
    )

    @field_validator("oid")
    @classmethod
    def _numeric(cls, value: str) -> str:
        return normalize_oid(value)


class SnmpSettings(ProbeSettings):
    """Per-target SNMP settings (merged probes.snmp < site < groups < target)."""

    interval: PositiveDuration = Field(default=60.0, description="Time between polls.")
    # a 48-port switch is several GETBULKs; a dead one fails in 3 s
    timeout: PositiveDuration = Field(
        default=10.0, description="Deadline of one whole poll; a poll cut off is 'timeout after Ns'."
    )
    version: Literal["1", "2c", "3"] = Field(
        default="2c", description='SNMP version; quote it in YAML ("2c").'
    )
    port: int = Field(default=161, ge=1, le=65535, description="Agent UDP port.")
    community: Secret = Field(
        default=SecretStr("public"), description="v1/v2c community (secret, never logged)."
    )
    v3: V3Settings | None = Field(default=None, description='SNMPv3 credentials; required with version "3".')
    profiles: list[str] = Field(
        default_factory=lambda: ["system", "interfaces"],
        description="Profiles polled: system (always read), interfaces, host, or a custom_profiles name.",
    )
    custom_profiles: dict[str, list[CustomOidSettings]] = Field(
        default_factory=dict, description="Your own profiles: name -> list of scalar OIDs (GET)."
    )
    request_timeout: PositiveDuration = Field(default=1.0, description="Wait per request attempt.")
    retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Resends per request: a dead agent costs (retries + 1) x request_timeout per request.",
    )
    max_repetitions: int = Field(default=25, ge=1, le=500, description="GETBULK rows asked for per request.")

    @model_validator(mode="after")
    def _consistent(self) -> SnmpSettings:
        if self.version == "3" and self.v3 is None:
            raise ValueError("version 3 needs v3: {user: ..., auth_key: ..., priv_key: ...}")
        for name in self.custom_profiles:
            if name in BUILTIN_PROFILES:
                raise ValueError(f"custom_profiles.{name}: {name!r} is a built-in profile name")
        known = set(BUILTIN_PROFILES) | set(self.custom_profiles)
        for name in self.profiles:
            if name not in known:
                raise ValueError(f"profiles: unknown profile {name!r} (known: {', '.join(sorted(known))})")
        names = [o.name for p in self.profiles if p in self.custom_profiles for o in self.custom_profiles[p]]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"custom_profiles: field name(s) used twice: {', '.join(duplicated)}")
        return self

    def custom_oids(self) -> list[CustomOid]:
        return [
            CustomOid(o.name, o.oid, o.type)
            for p in self.profiles
            if p in self.custom_profiles
            for o in self.custom_profiles[p]
        ]


def error_code(exc: SnmpError) -> str:
    """A short stable word for the kind of failure (a field alerts and dashboards can group by)."""
    if isinstance(exc, SnmpTimeout):
        return "timeout"
    if isinstance(exc, SnmpAuthError):
        return "auth"
    if isinstance(exc, SnmpErrorStatus):
        return exc.name
    return "error"


class SnmpProbe(ProbeKind[SnmpSettings]):
    """Polls SNMP agents; the first result (``snmp_system``) is the verdict."""

    name: ClassVar[str] = "snmp"
    measurement: ClassVar[str] = "snmp_system"
    settings_model: ClassVar[type[SnmpSettings]] = SnmpSettings
    default_concurrency: ClassVar[int] = 200

    def __init__(self) -> None:
        self._transport: SnmpTransport | None = None
        self._v3: V3Engine | None = None
        self._v3_sessions: dict[tuple[Any, ...], V3Session] = {}
        self._counters: dict[str, TargetCounters] = {}
        self._failing: set[str] = set()
        self._ctx: ProbeContext | None = None

    async def open(self, ctx: ProbeContext) -> None:
        self._ctx = ctx
        self._transport = SnmpTransport()

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._v3 is not None:
            self._v3.close()
            self._v3 = None
        self._v3_sessions.clear()

    def forget(self, target: str) -> None:
        self._counters.pop(target, None)
        self._failing.discard(target)
        for key in [k for k in self._v3_sessions if k[0] == target]:
            del self._v3_sessions[key]

    async def session(self, target: ProbeTarget, settings: SnmpSettings) -> SnmpSession:
        """A session for ``target`` (raises SnmpError when the name does not resolve)."""
        if settings.version == "3":
            assert settings.v3 is not None
            key = (
                target.name,
                target.address,
                settings.port,
                settings.v3,
                settings.request_timeout,
                settings.retries,
            )
            found = self._v3_sessions.get(key)
            if found is None:
                if self._v3 is None:
                    self._v3 = V3Engine()
                v3 = settings.v3
                found = V3Session(
                    self._v3,
                    target.address,
                    settings.port,
                    v3.user,
                    auth_protocol=v3.auth_protocol if v3.auth_key else None,
                    auth_key=v3.auth_key.get_secret_value() if v3.auth_key else None,
                    priv_protocol=v3.priv_protocol if v3.priv_key else None,
                    priv_key=v3.priv_key.get_secret_value() if v3.priv_key else None,
                    timeout=settings.request_timeout,
                    retries=settings.retries,
                    context=v3.context,
                )
                for stale in [k for k in self._v3_sessions if k[0] == target.name]:
                    del self._v3_sessions[stale]  # the target's settings changed (reload)
                self._v3_sessions[key] = found
            return found
        if self._transport is None:
            self._transport = SnmpTransport()  # used without open() (CLI, tests)
        family, sockaddr = await resolve(target.address, settings.port)
        return V2cSession(
            self._transport,
            family,
            sockaddr,
            settings.community.get_secret_value(),
            version=settings.version,
            timeout=settings.request_timeout,
            retries=settings.retries,
        )

    def _transition(self, target: str, failed: str | None) -> None:
        """Log a target going bad once, and its recovery once."""
        logger = self._ctx.logger if self._ctx is not None else None
        if failed is not None and target not in self._failing:
            self._failing.add(target)
            if logger is not None:
                logger.warning("snmp %s: %s", target, failed)
        elif failed is None and target in self._failing:
            self._failing.discard(target)
            if logger is not None:
                logger.info("snmp %s: answering again", target)

    async def probe(self, target: ProbeTarget, settings: SnmpSettings) -> list[ProbeResult]:
        started_ns = now_ns()
        base_tags = target.base_tags()
        begin = time.monotonic()
        try:
            session = await self.session(target, settings)
            system = await read_system(session)
        except SnmpError as exc:
            self._transition(target.name, str(exc))
            return [
                ProbeResult.failure(
                    measurement=self.measurement,
                    target=target.name,
                    kind=self.name,
                    reason=str(exc),
                    tags=base_tags,
                    fields={"error": error_code(exc)},
                    time_ns=started_ns,
                )
            ]
        self._transition(target.name, None)
        response_ms = (time.monotonic() - begin) * 1000.0
        state = self._counters.setdefault(target.name, TargetCounters())
        poll = RatePoll(state, time.monotonic(), system.uptime_ticks)
        fields: dict[str, FieldValue] = measurements.system_fields(system, poll, response_ms)
        extra: list[ProbeResult] = []
        evidence: list[str] = []
        if poll.reboot:
            evidence.append(
                f"sysUpTime went from {state.uptime_ticks} to {system.uptime_ticks} ticks: "
                "device restarted, counter rates skipped for this poll"
            )
        profile_errors = 0
        for profile in dict.fromkeys(settings.profiles):
            try:
                extra.extend(
                    await self._profile(
                        profile,
                        session=session,
                        settings=settings,
                        target=target,
                        base_tags=base_tags,
                        time_ns=started_ns,
                        poll=poll,
                        fields=fields,
                        evidence=evidence,
                    )
                )
            except (SnmpError, WalkError) as exc:
                profile_errors += 1
                evidence.append(f"profile {profile}: {exc}")
        fields["profile_errors"] = profile_errors
        poll.commit(keep_unseen=profile_errors > 0)
        verdict = ProbeResult(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            time_ns=started_ns,
            ok=True,
            fields=fields,
            tags=base_tags,
            evidence=tuple(evidence),
        )
        return [verdict, *extra]

    async def _profile(
        self,
        profile: str,
        *,
        session: SnmpSession,
        settings: SnmpSettings,
        target: ProbeTarget,
        base_tags: dict[str, str],
        time_ns: int,
        poll: RatePoll,
        fields: dict[str, FieldValue],
        evidence: list[str],
    ) -> list[ProbeResult]:
        """Run one profile; adds to the verdict's ``fields``/``evidence``, returns extra results."""
        if profile == "system":
            return []  # read on every poll already
        if profile == "interfaces":
            samples = await read_interfaces(session, settings.max_repetitions)
            fields.update(measurements.interface_summary(samples))
            return [
                measurements.interface_result(target.name, self.name, time_ns, base_tags, sample=s, poll=poll)
                for s in samples
            ]
        if profile == "host":
            host = await read_host(session, settings.max_repetitions)
            fields.update(measurements.host_fields(host))
            return measurements.storage_results(target.name, self.name, time_ns, base_tags, host)
        oids = [CustomOid(o.name, o.oid, o.type) for o in settings.custom_profiles[profile]]
        values = await read_custom(session, oids)
        custom, missing = measurements.custom_fields(oids, values, poll)
        fields.update(custom)
        fields["missing_oids"] = int(fields.get("missing_oids", 0)) + len(missing)
        evidence.extend(f"profile {profile}: {line}" for line in missing)
        return []
