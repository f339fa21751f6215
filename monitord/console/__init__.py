"""The web console: server-rendered pages for on-call staff, technicians and admins.

A sub-application mounted at ``/console/`` (``app.mount``). Pages call the same
service objects the JSON API calls (ticket repository, alert service, IPAM
allocator, POS service, series store), never the database behind their back.
"""
