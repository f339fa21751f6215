"""Receivers for events devices push (SNMP traps, syslog), feeding the same result bus as probes."""
