"""The InfluxDB / VictoriaMetrics time-series sink (``storage.influxdb``).

``lineproto`` serialises, ``transports`` speak the v2 and v1 write APIs,
``delivery`` handles retries and rejections, ``spool`` keeps batches durable
while the server is away, and ``sink`` ties them to the daemon.
"""
