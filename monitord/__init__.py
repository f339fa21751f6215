"""monitord: network and infrastructure monitoring daemon."""

__version__ = "0.1.0"
