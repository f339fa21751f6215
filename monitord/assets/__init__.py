"""The equipment register: assets, what the network reports about them, and drift.

``tables``/``records``/``repo`` keep the register (with every change in the
audit log), ``sheet`` reads and writes it as CSV with the IPAM importer's rules,
``snmp_facts``/``ssh_facts`` discover what a device says about itself,
``drift`` compares the two and publishes results the ``asset-drift`` rule turns
into tickets, ``service`` runs discovery on a schedule and ``digest`` sends the
weekly list of warranties ending soon through the outbox.
"""
