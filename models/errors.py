"""The errors a user can cause, each carrying a message fit to show as-is.

The CLI maps `DomainError` to exit 1 and `ConfigError` / `UsageError` to exit 2; the console shows the
message in a notification. Nothing here should ever reach a user as a traceback.
"""

from __future__ import annotations


class ChuishaoError(Exception):
    """Base of every error meant for a user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DomainError(ChuishaoError):
    """The domain refused: wrong state, no permission, not found, stale data."""


class NotFound(DomainError):
    """A case, report, operator or org entity does not exist (or is outside the operator's scope)."""


class PermissionDenied(DomainError):
    """The acting operator's role or scope does not allow the step."""


class InvalidState(DomainError):
    """The case is not in a state where the step is allowed."""


class Conflict(DomainError):
    """The case changed since the operator read it; nothing was overwritten."""


class ValidationError(DomainError):
    """An argument is well-formed but not acceptable (unknown department, empty reason …)."""


class UsageError(ChuishaoError):
    """Bad input shape: unparseable date, bad duration, bad file."""

    exit_code = 2


class ConfigError(ChuishaoError):
    """The configuration is wrong; `problems` holds one line per problem (file:line: key: why)."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
