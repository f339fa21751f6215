"""Every operation of the API and every answer schema, from each area's table.

The document, the generated docs and the router test read these; an area with
a table of its own (``asset_operations``) is joined here.
"""

from __future__ import annotations

from monitord.api.openapi.asset_operations import ASSET_COMPONENTS, ASSET_OPERATIONS
from monitord.api.openapi.operations import OPERATIONS as CORE_OPERATIONS
from monitord.api.openapi.schemas import COMPONENTS as CORE_COMPONENTS
from monitord.api.openapi.schemas import Schema

OPERATIONS = CORE_OPERATIONS + ASSET_OPERATIONS
COMPONENTS: dict[str, Schema] = {**CORE_COMPONENTS, **ASSET_COMPONENTS}
