"""SNMP support for the ``snmp`` probe: a shared-socket v1/v2c client on aiosnmp's codec,
SNMPv3 on pysnmp 7 behind the same interface, polling profiles and counter rates."""
