"""One load-client process for ``ipam_http``: the tests' client plus its start and end instants.

``time.monotonic`` is one system-wide clock on Linux, so the parent can take the combined
span of all clients (first start to last end) instead of one client's own duration.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from tests.ipam.load_clients import fire


def main() -> None:
    url, token, subnet_id, count, concurrency = sys.argv[1:6]
    began = time.monotonic()
    out = asyncio.run(fire(url, token, int(subnet_id), int(count), int(concurrency), None))
    json.dump({"results": out["results"], "began": began, "ended": time.monotonic()}, sys.stdout)


if __name__ == "__main__":
    main()
