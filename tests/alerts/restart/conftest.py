"""The rule-coverage matrix's real servers (snmpd, a switchable path to sshd), shared here."""

from tests.alerts.coverage.conftest import matrix_snmpd, snmpd_agent, ssh_path

__all__ = ["matrix_snmpd", "snmpd_agent", "ssh_path"]
