"""Real servers the tests start on loopback: PostgreSQL, snmpd, sshd, VictoriaMetrics, InfluxDB.

Each module is a pytest plugin listed in ``tests/conftest.py``; each server gets a
free loopback port and a private temporary directory, and is stopped at the end.
"""
