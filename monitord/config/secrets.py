"""Secret values in configuration: inline, or read from a file (systemd credentials).

A secret field accepts either a string or ``{file: PATH}``; ``PATH`` may use
``$CREDENTIALS_DIRECTORY`` (or any environment variable), so a unit's
``LoadCredential=`` works unchanged. The value is a ``SecretStr`` and never
appears in logs, reprs or API output.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr

_FILE_LIMIT = 64 * 1024
_VARIABLE_PATH = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/")


def load_secret(value: Any) -> Any:
    """Turn ``{file: PATH}`` into the file's content (trailing newline stripped)."""
    if isinstance(value, dict):
        if set(value) != {"file"} or not isinstance(value["file"], str):
            raise ValueError("a secret is a string or {file: PATH}")
        path = Path(os.path.expandvars(value["file"]))
        if "$" in str(path):
            raise ValueError(f"cannot expand variables in secret file path {value['file']!r}")
        try:
            with path.open("rb") as handle:
                data = handle.read(_FILE_LIMIT + 1)
        except OSError as exc:
            raise ValueError(f"cannot read secret file {path}: {exc.strerror or exc}") from None
        if len(data) > _FILE_LIMIT:
            raise ValueError(f"secret file {path} is larger than {_FILE_LIMIT} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"secret file {path} is not UTF-8 text") from None
        return text.rstrip("\r\n")
    if isinstance(value, str) and _VARIABLE_PATH.match(value):
        # ``token: ${CREDENTIALS_DIRECTORY}/x`` is a 30-character token, not the file's content.
        raise ValueError(f'this is a path, not a secret: write {{file: "{value}"}} to read the file')
    return value


Secret = Annotated[SecretStr, BeforeValidator(load_secret)]
