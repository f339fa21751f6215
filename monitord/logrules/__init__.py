"""Log pattern rules shared by every source of log lines: the ``ssh_log`` probe (files read
over SSH) and the syslog receiver (``monitord.intake.syslog``).

``rules`` is the configured model (named RE2 patterns with a severity), ``matching`` the
block scan that counts matching lines, ``evidence`` the capped, collapsed matching lines a
ticket carries. They left ``monitord.ssh`` when a second source needed them: neither
source imports the other.
"""
