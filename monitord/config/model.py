"""The root configuration model: a YAML file overridden by ``MONITORD_*`` variables."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitord.config.accounts import AccountsConfig
from monitord.config.alerts import AlertsConfig
from monitord.config.daemon import DaemonConfig
from monitord.config.http import HttpConfig
from monitord.config.ipam import IpamConfig
from monitord.config.notify import NotifyConfig
from monitord.config.pos import PosConfig
from monitord.config.storage import StorageConfig
from monitord.config.targets import GroupConfig, SiteConfig, TargetConfig


class MonitordConfig(BaseSettings):
    """Everything the daemon is configured with.

    Sources, strongest first: ``MONITORD_SECTION__KEY`` environment variables,
    then the YAML file. Unknown keys anywhere are errors.
    """

    model_config = SettingsConfigDict(
        env_prefix="MONITORD_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        case_sensitive=False,
    )

    daemon: DaemonConfig = Field(
        default_factory=DaemonConfig,
        description="Process-wide settings: state directory, logging, concurrency, buffers.",
    )
    http: HttpConfig = Field(
        default_factory=HttpConfig,
        description="The HTTP API listener, its bearer tokens and its connection limits.",
    )
    storage: StorageConfig = Field(
        default_factory=StorageConfig,
        description="The state store (tickets, alert state, IPAM) and the time-series sinks.",
    )
    probes: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Defaults per probe kind (probes.<kind>); each kind's keys are listed under Probe kinds.",
    )
    sites: dict[str, SiteConfig] = Field(
        default_factory=dict,
        description="Head office, branches and stores by name, with defaults their targets inherit.",
    )
    groups: dict[str, GroupConfig] = Field(
        default_factory=dict,
        description="Named bundles of target defaults (e.g. core-switch, pos-till) that targets "
        "join with groups: [...].",
    )
    targets: list[TargetConfig] = Field(
        default_factory=list, description="Every monitored device or service."
    )
    alerts: AlertsConfig = Field(
        default_factory=AlertsConfig,
        description="Alert rules, flap detection, dependencies, silences and ticket lifecycle.",
    )
    notify: NotifyConfig = Field(
        default_factory=NotifyConfig,
        description="Notification routes (apprise URLs), delivery timing and retries.",
    )
    ipam: IpamConfig = Field(
        default_factory=IpamConfig,
        description="IP address management: the allocation check ping and reconciliation sweeps.",
    )
    accounts: AccountsConfig = Field(
        default_factory=AccountsConfig,
        description="Named accounts' sign-in sessions and lockout (accounts live in the state store).",
    )
    pos: PosConfig = Field(
        default_factory=PosConfig,
        description="POS terminal heartbeats: stores, tills, opening hours; off while stores is empty.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML document arrives as init arguments; environment variables win over it.
        return (env_settings, init_settings)
