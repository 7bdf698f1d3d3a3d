"""The exception hierarchy of supplierscore.

Every error a user can cause is one of these, and each carries structured ``details`` that the CLI
prints and a service can return as JSON, so no traceback ever reaches a user for bad input::

    SupplierScoreError
    ├── UsageError        a missing or unreadable input file, a bad option   (CLI exit 2)
    ├── InputError        input that cannot be read at all (not a rejection)  (CLI exit 2)
    ├── RulesetError      a ruleset that breaks its rules; ``problems`` lists them all (CLI exit 2)
    ├── OutputError       a score sheet or file that cannot be written        (CLI exit 2)
    └── AuditError        an audit log that fails verification or cannot be appended (CLI exit 3)

A bid that fails validation is not an exception: it becomes a :class:`supplierscore.inputs.Rejection`,
because one bad bid must never stop the others from being scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SupplierScoreError(Exception):
    """The base of every error supplierscore raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: its kind, message and details."""
        return {"error": type(self).__name__, "message": self.message, **self.details}


class UsageError(SupplierScoreError):
    """The caller asked for something impossible: a missing file, an unknown format."""


class InputError(SupplierScoreError):
    """Input that cannot be read at all, as opposed to a bid that is rejected."""


class OutputError(SupplierScoreError):
    """A score sheet or report cannot be written where it was asked for."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a ruleset: where it is (a JSON Pointer and, when known, a line) and what."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path or "/"
        if self.line is not None:
            where = f"line {self.line}, {where}"
        return f"{where}: {self.message}"


class RulesetError(SupplierScoreError):
    """A ruleset that cannot be used; ``problems`` holds every problem found, not just the first."""

    def __init__(self, message: str, problems: list[Problem] | None = None, **details: Any) -> None:
        self.problems = problems or []
        super().__init__(
            message,
            problems=[{"path": p.path, "line": p.line, "message": p.message} for p in self.problems],
            **details,
        )

    def __str__(self) -> str:
        lines = [self.message, *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class AuditError(SupplierScoreError):
    """An audit log that fails verification, or that cannot be appended to safely."""

    exit_code = 3
