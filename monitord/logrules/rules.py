"""Log pattern rules as configured: named regular expressions (RE2 syntax) with a severity.

How they are compiled and matched is ``monitord.logrules.matching``; the lines they
match are collected by ``monitord.logrules.evidence``.
"""

from __future__ import annotations

import fnmatch
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitord.patterns import PatternError, compile_pattern

Severity = Literal["critical", "error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "error", "warning", "info")


class LogRule(BaseModel):
    """One named pattern; ``files`` (globs on the path) limits it to some files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,47}$",
        description="Rule name; its count is written as the field rule_<name>.",
    )
    pattern: str = Field(
        min_length=1,
        description="RE2 regular expression matched per line (docs/patterns.md); ^ and $ anchor "
        "at line ends.",
    )
    severity: Severity = Field(default="error", description="Adds the rule's count to severity_<severity>.")
    ignore_case: bool = Field(default=False, description="Match regardless of case.")
    files: tuple[str, ...] = Field(
        default=(), description="Globs on the file path the rule applies to; empty: every file."
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compile_pattern(value)
        except PatternError as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def applies_to(self, path: str) -> bool:
        return not self.files or any(fnmatch.fnmatchcase(path, glob) for glob in self.files)


DEFAULT_RULES: tuple[LogRule, ...] = (
    LogRule(name="oom", pattern=r"Out of memory|oom-kill", severity="critical"),
    LogRule(
        name="disk_io",
        severity="critical",
        pattern=r"I/O error|EXT4-fs error|XFS .*(?:corruption|error)|Medium Error|blk_update_request",
    ),
    LogRule(name="error", pattern=r"\b(?:error|fatal|segfault|panic)\b", ignore_case=True),
)
