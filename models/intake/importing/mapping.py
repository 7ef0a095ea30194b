"""How a file's columns become a report: the import profile's mapping checked against the file's
header, each row's fields turned into a NewReport (or the reason it cannot be one), and the
fingerprint that identifies a row without a source id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from models.errors import DomainError, UsageError
from models.intake.importing.dates import parse_datetime
from models.intake.importing.readers import ImportFileError, SourceFile
from models.intake.intake import NewReport
from models.org.config import Config
from models.org.config_spec import IMPORT_TARGETS
from models.text.textnorm import normalise_phone, normalise_text
from models.worktime.timeutil import to_epoch

MAX_LENGTHS = {"source_id": 100, "title": 500, "citizen_name": 100, "phone": 40, "address": 500,
               "township": 100, "category": 200, "channel": 100}
# Open311 GeoReport v2 service requests, when no profile is named.
OPEN311_COLUMNS = {"source_id": "service_request_id", "text": "description", "received": "requested_datetime",
                   "address": "address", "category": "service_name"}
# GeoReport v2 makes description optional and service_name required: without a description, the
# request's service name and address are its text.
OPEN311_TEXT_FALLBACK = ("service_name", "address")
KEYED_FORMATS = ("jsonl", "open311")  # each record names its own fields: a key absent from one may be in the next
FINGERPRINT = "fp:"


class RowRejected(Exception):
    """A row that cannot become a report; the message is the reason."""


@dataclass
class Mapping:
    """Which file column feeds which report field, and the channel rows default to."""

    columns: dict[str, str]
    channel: str | None
    forced: bool = False  # --channel given: it wins over a channel column
    text_fallback: tuple[str, ...] = ()  # columns joined into the text when the text column is empty

    def value(self, fields: dict[str, str], target: str) -> str:
        column = self.columns.get(target)
        return fields.get(column, "") if column else ""


def mapping_for(config: Config, source: SourceFile, profile: str | None, channel: str | None) -> Mapping:
    """The profile's column mapping checked against the file's header (file-level errors: exit 2)."""
    if profile is not None:
        found = config.import_profiles.get(profile)
        if found is None:
            known = ", ".join(sorted(config.import_profiles)) or "none"
            raise UsageError("import.unknown_profile", profile=profile, known=known)
        columns = dict(found["columns"])
        default = channel or found.get("channel")
    else:
        columns = dict(OPEN311_COLUMNS) if source.format == "open311" else {t: t for t in IMPORT_TARGETS}
        default = channel
    present = {t: c for t, c in columns.items() if c in source.header}
    fallback = OPEN311_TEXT_FALLBACK if source.format == "open311" and profile is None else ()
    if "text" not in present and not any(c in source.header for c in fallback):
        where = {"path": source.path, "column": columns.get("text"), "header": ", ".join(source.header)}
        if profile:
            raise ImportFileError("import.no_text_column_in_profile", **where)
        raise ImportFileError("import.no_text_column", **where, profiles=", ".join(sorted(config.import_profiles)))
    if default is not None:
        try:
            default = config.channel(default)
        except DomainError as exc:
            raise UsageError(exc.code, **exc.params) from None
    elif "channel" not in present:
        raise UsageError("import.which_channel", path=source.path, channels=", ".join(config.channels))
    if source.format in KEYED_FORMATS:
        present = columns  # the header is a sample of keys; each row is read with its own
    return Mapping(present, default, forced=channel is not None, text_fallback=fallback)


def fingerprint(new: NewReport) -> str:
    """A stable id for a report without a source id: channel + received time + text (normalised:
    no spaces or punctuation, NFKC) + phone, so importing the same file again finds it."""
    key = "\x1f".join((new.channel, str(new.received_at or ""), normalise_text(new.text),
                       normalise_phone(new.phone) or ""))
    return FINGERPRINT + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def new_report(config: Config, mapping: Mapping, fields: dict[str, str]) -> NewReport:
    """The report a row describes; raises RowRejected with the reason."""
    # Each mapped cell read once (an import's hot loop: a row has a dozen targets).
    cells = {target: fields.get(column, "") for target, column in mapping.columns.items() if column}
    for target, limit in MAX_LENGTHS.items():
        if len(cells.get(target, "")) > limit:
            raise RowRejected(f"{mapping.columns[target]} is longer than {limit} characters")
    text = cells.get("text", "")
    if not text.strip() and mapping.text_fallback:
        text = "\n".join(value for column in mapping.text_fallback if (value := fields.get(column, "").strip()))
    if not text.strip():
        raise RowRejected(f"{mapping.columns['text']} (the report text) is empty")
    channel = mapping.channel if mapping.forced else (cells.get("channel", "").strip() or mapping.channel)
    if not channel:
        raise RowRejected(f"{mapping.columns['channel']} (the channel) is empty")
    received = None
    raw = cells.get("received", "").strip()
    if raw:
        try:
            received = to_epoch(parse_datetime(raw, config.tz))
        except ValueError as exc:
            raise RowRejected(f"{mapping.columns['received']}: {exc}") from None

    def optional(target: str) -> str | None:
        return cells.get(target, "").strip() or None
    return NewReport(channel=channel, text=text, title=optional("title"), phone=optional("phone"),
                     address=optional("address"), township=optional("township"), source_id=optional("source_id"),
                     received_at=received, citizen_name=optional("citizen_name"), category_hint=optional("category"))
