"""POS terminals: the register of stores and tills, heartbeat ingest (HTTP and signed UDP)
and absence detection that follows each store's opening hours.

Kept free of imports so ``monitord.config.pos`` can use ``monitord.pos.hours``.
"""
