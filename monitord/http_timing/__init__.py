"""A timed HTTP/1.1 and TLS client for the ``http`` and ``tls`` probes.

aiohttp's trace hooks report connect and TLS as one "connection created" span, so
the phases blackbox_exporter records (resolve, connect, TLS, processing) are
measured here instead: our own ``sock_connect``, our own ``start_tls``, our own
write of the request and read of the answer. One connection per check, no pool:
a check measures what a new visitor would see.
"""
