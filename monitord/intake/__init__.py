"""Receivers of events that devices push to the daemon (syslog, SNMP traps), as opposed to
the probes that poll. Each turns what it receives into probe results on the result bus."""
