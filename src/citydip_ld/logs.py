"""One log format for everything the application says: a JSON object per line.

Every line has `time` (UTC, milliseconds), `level`, `logger` and `message`; the access log
(`citydip_ld.serving.AccessLog`) writes the same four and its own fields (client, method, path,
status, bytes, duration_ms, ...), and a logged exception adds `exception` (its traceback, in
the log only, never in an answer). `citydip-ld --log-level LEVEL` (env `CITYDIP_LOG_LEVEL`)
sets the threshold for the application's messages; the access log has its own switch
(`serve --access-log/--no-access-log`).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import IO, Any

import orjson

LEVELS = ("debug", "info", "warning", "error", "critical")
DEFAULT_LEVEL = "warning"
ACCESS_LOGGER = "citydip_ld.access"


#: The current second, and its text up to the seconds (`now_text`): one formatting a second.
_second: tuple[int, str] = (-1, "")


def now_text() -> str:
    """Now in UTC as every line's `time` has it, `2026-12-03T02:07:55.802+00:00` (ISO 8601,
    milliseconds, truncated as `isoformat` does), the date and time formatted once a second
    (the access log writes one line per answer, thousands a second)."""
    global _second
    millis = time.time_ns() // 1_000_000
    second, fraction = divmod(millis, 1000)
    known, text = _second
    if known != second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = (second, text)
    return f"{text}.{fraction:03d}+00:00"


def log_record(
    level: str, logger: str, message: str, *, created: float | None = None, **fields: Any
) -> dict[str, Any]:
    """The shape every message and access record has, as a dict (`log_line` writes it).
    `created`: the moment (a Unix time) it happened, by default now."""
    if created is None:
        moment = now_text()
    else:
        moment = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    record: dict[str, Any] = {
        "time": moment,
        "level": level,
        "logger": logger,
        "message": message,
    }
    record.update(fields)
    return record


def record_text(record: dict[str, Any]) -> str:
    """A `log_record` as its JSON line (without the newline)."""
    try:  # orjson: a fifth of json's time, which the access log pays on every answer
        return orjson.dumps(record, default=str).decode("utf-8")
    except orjson.JSONEncodeError:  # what orjson refuses (a lone surrogate, a huge int)
        return json.dumps(record, ensure_ascii=False, default=str)


def log_line(
    level: str, logger: str, message: str, *, created: float | None = None, **fields: Any
) -> str:
    """One log line (without the newline): the shape every message and access record has.
    `created`: the moment (a Unix time) it happened, by default now."""
    return record_text(log_record(level, logger, message, created=created, **fields))


class JsonFormatter(logging.Formatter):
    """`logging` records as `log_line`s."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return log_line(
            record.levelname.lower(),
            record.name,
            record.getMessage(),
            created=record.created,
            **fields,
        )


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs (replaced, not doubled, when called again)."""


def configure_logging(level: str = DEFAULT_LEVEL, stream: IO[str] | None = None) -> None:
    """Send the application's log records, as JSON lines, to `stream` (stderr)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
