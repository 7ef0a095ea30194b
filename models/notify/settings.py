"""`[notify]` in chuishao.toml: channels per department, township, operator or the office, and the
secrets file they name.

Secrets (webhook keys, 钉钉 signing secrets, SMTP passwords, SMS gateway keys) never sit in
chuishao.toml: a channel names a key (`secret = "wecom_roads"`) in a separate TOML file whose path is
`[notify] secrets`. That file must be readable by its owner only (mode 0600 or stricter); a group- or
world-readable one is refused with a message naming it, before anything is sent. Secret values are
never part of a message, an error text or a listing: `Channel.__repr__` leaves them out, and errors
name the channel and the key, never the value.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.errors import UsageError
from models.org.config import DEFAULTS
from models.org.context import Context
from models.store.outbox import DEPARTMENT, OFFICE, TOWNSHIP
from models.worktime.durations import parse_duration


@dataclass
class Channel:
    """One configured delivery target. `secrets` holds the resolved secret values (never shown)."""

    name: str
    type: str
    spec: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Channel({self.name!r}, {self.type!r})"

    def secret(self, key: str) -> str:
        return self.secrets.get(key, "")


@dataclass
class Settings:
    channels: list[Channel]
    max_attempts: int
    backoff_seconds: int
    max_backoff_seconds: int
    timeout_seconds: float
    quiet_hours: bool
    lead_time: dict[str, int]  # priority → seconds before a deadline

    def backoff(self, attempts: int) -> int:
        """Seconds to wait after the `attempts`-th failure: doubling from the base, capped."""
        return int(min(self.max_backoff_seconds, self.backoff_seconds * 2 ** max(0, attempts - 1)))


SECRET_FIELDS = ("secret", "sign_secret", "password")


def read_secrets(path: Path) -> dict[str, str]:
    """The secrets file, refused unless only its owner may read it; values are strings."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UsageError("notify.secrets_unreadable", path=path, problem=exc.strerror) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError("notify.secrets_open", path=path, mode=f"{stat.S_IMODE(mode):04o}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The parser's message may quote the line, and with it a secret: name the place only.
        where = f" (line {exc.lineno})" if isinstance(exc, tomllib.TOMLDecodeError) and exc.lineno else ""
        raise UsageError("notify.secrets_not_toml", path=path, where=where) from None
    wrong = [k for k, v in data.items() if not isinstance(v, str)]
    if wrong:
        raise UsageError("notify.secret_not_text", path=path, keys=", ".join(wrong))
    return data


def load(ctx: Context) -> Settings:
    section = ctx.config.section("notify")
    raw_channels = section.get("channels", [])
    secrets: dict[str, str] = {}
    if any(any(c.get(f) for f in SECRET_FIELDS) for c in raw_channels):
        if not section.get("secrets"):
            raise UsageError("notify.no_secrets_file")
        path = Path(os.path.expanduser(section["secrets"]))
        if not path.is_absolute():
            path = ctx.config.path.parent / path
        secrets = read_secrets(path)
    channels = []
    for item in raw_channels:
        names = {f: item[f] for f in SECRET_FIELDS if item.get(f)}
        missing = [n for n in names.values() if n not in secrets]
        if missing:
            raise UsageError("notify.secret_missing", channel=item["name"], keys=", ".join(missing))
        channels.append(Channel(item["name"], item["type"], dict(item), {f: secrets[n] for f, n in names.items()}))
    leads = {**DEFAULTS["notify"]["lead_time"], **ctx.config.data.get("notify", {}).get("lead_time", {})}
    return Settings(channels, int(section["max_attempts"]), int(section["backoff_seconds"]),
                    int(section["max_backoff_seconds"]), float(section["timeout_seconds"]),
                    bool(section["quiet_hours"]), {p: _lead_seconds(p, d) for p, d in leads.items()})


def _lead_seconds(priority: str, text: str) -> int:
    try:
        return parse_duration(text).natural_seconds
    except ValueError:
        raise UsageError("notify.lead_time_elapsed", priority=priority, text=text) from None


def recipients_of(ctx: Context, channel: Channel) -> set[tuple[str, str]]:
    """The (recipient kind, id) pairs a channel receives: its department, township, the office, or
    an operator's own scope (their department, their township, the office for dispatch roles)."""
    spec = channel.spec
    out = set()
    if spec.get("department"):
        out.add((DEPARTMENT, spec["department"]))
    if spec.get("township"):
        out.add((TOWNSHIP, spec["township"]))
    if spec.get("office"):
        out.add((OFFICE, ""))
    if spec.get("operator"):
        from models.store.schema import Operator

        op = Operator.get_or_none(Operator.name == spec["operator"])
        if op is not None and op.active:
            out.add((DEPARTMENT, op.department) if op.department else (TOWNSHIP, op.township) if op.township
                    else (OFFICE, ""))
    return out
