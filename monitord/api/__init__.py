"""The HTTP API (aiohttp), embedded in the daemon with ``AppRunner``."""
