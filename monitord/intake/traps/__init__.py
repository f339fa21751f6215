"""The SNMP trap and inform receiver (docs/snmp-traps.md).

Datagrams flow listener (per-sender limit, bounded queue) -> decode (v1/v2c with
aiosnmp's BER codec, v3 through pysnmp's USM) -> sender map (address to target)
-> trap results (``snmp_trap``, plus the SNMP probe's own interface and device
series for the standard traps) -> the result bus, like any probe's results.
"""
