"""The syslog receiver: RFC 3164 and RFC 5424 messages over UDP, TCP and TLS, mapped to
targets and counted by the log rules the ``ssh_log`` probe uses.

Data flow: listener (``udp``, ``streams`` with ``framing``) -> per-sender token bucket
and bounded queue (``limits``) -> parse (``messages``) -> sender to target
(``senders``) -> rule counts and evidence per target (``tally``) -> one ``syslog``
result per target and interval on the result bus (``service``). ``counters`` exports
what was received, parsed, refused and dropped.
"""
