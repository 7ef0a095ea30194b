"""The errors a user can cause, each a code of the message catalogue with its parameters.

`raise PermissionDenied("perm.only_lead", department=Ref("department", d))`: the code names a sentence
in models.text.messages.CATALOGUE (zh and en); `.message` is its English rendering (the CLI's), and
`.render(language, names)` is what the console shows in the office's language. The CLI maps
`DomainError` to exit 1 and `ConfigError` / `UsageError` to exit 2. Nothing here should ever reach a
user as a traceback.

A bare sentence (not a catalogue code) is shown as given, in every language: only ConfigError's
file:line lines take that path; tests/test_messages.py checks that no raise in models/ does.
"""

from __future__ import annotations

from typing import Any

from models.text.messages import CATALOGUE, Names, plain_params, render


class ChuishaoError(Exception):
    """Base of every error meant for a user."""

    exit_code = 1

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in CATALOGUE and not params:  # a bare sentence, shown as given
            code, params = "plain", {"text": code}
        self.code = code
        self.params = params
        self.message = render(code, params, "en")
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def render(self, language: str, names: Names | None = None) -> str:
        """The message in `language`, names looked up through `names(kind, id)`."""
        return render(self.code, self.params, language, names)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": plain_params(self.params), "message": self.message}


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
