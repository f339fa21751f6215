"""SNMPv3 (USM authPriv and lower levels) on pysnmp 7, behind ``SnmpSession``.

aiosnmp has no SNMPv3 (a v3 request just times out), so v3 targets go through
pysnmp's engine. It is about seven times slower per request than the aiosnmp
path, which is why v1/v2c do not use it. One ``SnmpEngine`` serves every v3
target (it owns one socket and the discovered engine ids / time windows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pyasn1.type import univ
from pysnmp.hlapi.v3arch.asyncio import (
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    next_cmd,
    usmAesCfb128Protocol,
    usmAesCfb192Protocol,
    usmAesCfb256Protocol,
    usmDESPrivProtocol,
    usmHMAC192SHA256AuthProtocol,
    usmHMAC384SHA512AuthProtocol,
    usmHMACMD5AuthProtocol,
    usmHMACSHAAuthProtocol,
    usmNoAuthProtocol,
    usmNoPrivProtocol,
)
from pysnmp.proto import rfc1902, rfc1905

from monitord.snmp.errors import SnmpAuthError, SnmpError, SnmpErrorStatus, SnmpTimeout
from monitord.snmp.values import ValueKind, VarBind

AuthProtocol = Literal["MD5", "SHA", "SHA256", "SHA512"]
PrivProtocol = Literal["DES", "AES", "AES192", "AES256"]

AUTH_PROTOCOLS: dict[str, Any] = {
    "MD5": usmHMACMD5AuthProtocol,
    "SHA": usmHMACSHAAuthProtocol,
    "SHA256": usmHMAC192SHA256AuthProtocol,
    "SHA512": usmHMAC384SHA512AuthProtocol,
}
PRIV_PROTOCOLS: dict[str, Any] = {
    "DES": usmDESPrivProtocol,
    "AES": usmAesCfb128Protocol,
    "AES192": usmAesCfb192Protocol,
    "AES256": usmAesCfb256Protocol,
}

# pysnmp error indications that mean "the agent refused who we are".
_AUTH_INDICATIONS = (
    "unknownUserName",
    "wrongDigest",
    "wrongDigests",
    "unknownSecurityName",
    "unsupportedSecurityLevel",
    "decryptionError",
    "authenticationError",
    "notInTimeWindow",
    "unknownEngineID",
)

# Most specific classes first: Counter32 and Gauge32 both derive from Integer.
_KINDS: tuple[tuple[type[Any], ValueKind], ...] = (
    (rfc1905.NoSuchObject, ValueKind.NO_SUCH_OBJECT),
    (rfc1905.NoSuchInstance, ValueKind.NO_SUCH_INSTANCE),
    (rfc1905.EndOfMibView, ValueKind.END_OF_MIB_VIEW),
    (rfc1902.Counter64, ValueKind.COUNTER64),
    (rfc1902.Counter32, ValueKind.COUNTER32),
    (rfc1902.Gauge32, ValueKind.GAUGE32),
    (rfc1902.Unsigned32, ValueKind.GAUGE32),
    (rfc1902.TimeTicks, ValueKind.TIMETICKS),
    (rfc1902.IpAddress, ValueKind.IPADDRESS),
    (rfc1902.Opaque, ValueKind.OPAQUE),
    (rfc1902.OctetString, ValueKind.OCTETS),
    (rfc1902.ObjectIdentifier, ValueKind.OID),
    (rfc1902.Integer, ValueKind.INTEGER),
    (rfc1902.Null, ValueKind.NULL),
    # pysnmp hands some values over as plain pyasn1 types.
    (univ.OctetString, ValueKind.OCTETS),
    (univ.ObjectIdentifier, ValueKind.OID),
    (univ.Integer, ValueKind.INTEGER),
    (univ.Null, ValueKind.NULL),
)


def _varbind(oid: Any, value: Any) -> VarBind:
    text = str(oid)
    kind = next((k for cls, k in _KINDS if isinstance(value, cls)), ValueKind.OPAQUE)
    if kind in (
        ValueKind.NO_SUCH_OBJECT,
        ValueKind.NO_SUCH_INSTANCE,
        ValueKind.END_OF_MIB_VIEW,
        ValueKind.NULL,
    ):
        return VarBind(text, kind, None)
    if kind is ValueKind.IPADDRESS:
        return VarBind(text, kind, value.prettyPrint())
    if kind is ValueKind.OID:
        return VarBind(text, kind, str(value))
    if kind in (ValueKind.OCTETS, ValueKind.OPAQUE):
        return VarBind(text, kind, value.asOctets() if hasattr(value, "asOctets") else str(value).encode())
    return VarBind(text, kind, int(value))


class V3Engine:
    """The one pysnmp engine of a process; sessions borrow it."""

    def __init__(self) -> None:
        self.engine = SnmpEngine()

    def close(self) -> None:
        self.engine.close_dispatcher()


class V3Session:
    """SNMPv3 requests to one agent."""

    def __init__(
        self,
        engine: V3Engine,
        address: str,
        port: int,
        user: str,
        *,
        auth_protocol: AuthProtocol | None,
        auth_key: str | None,
        priv_protocol: PrivProtocol | None,
        priv_key: str | None,
        timeout: float = 1.0,
        retries: int = 2,
        context: str = "",
    ) -> None:
        self._engine = engine
        self._address = (address, port)
        self._ipv6 = ":" in address
        self._timeout = timeout
        self._retries = retries
        self._target: Any = None
        self._auth = UsmUserData(
            user,
            authKey=auth_key,
            privKey=priv_key,
            authProtocol=AUTH_PROTOCOLS[auth_protocol] if auth_protocol and auth_key else usmNoAuthProtocol,
            privProtocol=PRIV_PROTOCOLS[priv_protocol] if priv_protocol and priv_key else usmNoPrivProtocol,
        )
        self._context = ContextData(contextName=context)

    @property
    def supports_bulk(self) -> bool:
        return True

    async def _transport(self) -> Any:
        if self._target is None:
            cls = Udp6TransportTarget if self._ipv6 else UdpTransportTarget
            try:
                self._target = await cls.create(self._address, timeout=self._timeout, retries=self._retries)
            except Exception as exc:  # pysnmp raises PySnmpError for resolver failures
                raise SnmpError(f"name not resolved: {exc}") from None
        return self._target

    def _check(self, outcome: tuple[Any, Any, Any, Any]) -> list[VarBind]:
        indication, status, index, varbinds = outcome
        if indication:
            name = type(indication).__name__ if not isinstance(indication, str) else indication
            text = str(indication)
            if "requesttimedout" in name.lower() or "timeout" in text.lower():
                raise SnmpTimeout(f"no response after {self._retries + 1} x {self._timeout:g}s")
            if any(word.lower() in (name + text).lower().replace(" ", "") for word in _AUTH_INDICATIONS):
                raise SnmpAuthError(f"SNMPv3 authentication failed: {text}")
            raise SnmpError(f"SNMPv3 request failed: {text}")
        if int(status):
            raise SnmpErrorStatus(int(status), int(index))
        return [_varbind(oid, value) for oid, value in varbinds]

    @staticmethod
    def _objects(oids: Sequence[str]) -> list[ObjectType]:
        return [ObjectType(ObjectIdentity(oid)) for oid in oids]

    async def get(self, oids: Sequence[str]) -> list[VarBind]:
        target = await self._transport()
        return self._check(
            await get_cmd(
                self._engine.engine, self._auth, target, self._context, *self._objects(oids), lookupMib=False
            )
        )

    async def get_next(self, oids: Sequence[str]) -> list[VarBind]:
        target = await self._transport()
        return self._check(
            await next_cmd(
                self._engine.engine, self._auth, target, self._context, *self._objects(oids), lookupMib=False
            )
        )

    async def get_bulk(self, oids: Sequence[str], max_repetitions: int) -> list[VarBind]:
        target = await self._transport()
        return self._check(
            await bulk_cmd(
                self._engine.engine,
                self._auth,
                target,
                self._context,
                0,
                max_repetitions,
                *self._objects(oids),
                lookupMib=False,
            )
        )
