"""The one error hierarchy of the core. Every message says what, where and what to do."""

from __future__ import annotations


class CitydipError(Exception):
    """Base of every error the core raises on bad input or configuration."""


class FactError(CitydipError):
    """A fact file is malformed, refers to an unknown record or holds an impossible value."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.detail = message
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")


class LoadError(CitydipError):
    """An RDF file, shapes file or dataset could not be read."""


class QueryError(CitydipError):
    """A SPARQL request is malformed or not allowed (a client mistake)."""


class QueryLimitError(CitydipError):
    """A SPARQL query hit the configured time or result limit."""


class RemoteStoreError(CitydipError):
    """A remote SPARQL store failed: it answered 5xx, refused our credentials or sent something
    unreadable. Not the client's mistake (the web layer answers 502)."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class StoreUnavailableError(RemoteStoreError):
    """A remote SPARQL store could not be reached or said it is unavailable (web layer: 503)."""


class PublishError(RemoteStoreError):
    """The remote store refused an upload or update while publishing (wrong endpoint, rights)."""
