"""Answers from the release: a response cache in front of the app (WSGI middleware).

A published dataset does not change until the next release, so a GET answer is a function of
the release and the request. `install_response_cache(app)` wraps `app.wsgi_app` with
`ResponseCacheMiddleware`, which keeps every cacheable answer asked for at least
RESPONSE_CACHE_MIN_USES times (2: an answer asked for once, as by a crawler's walk through
every resource, neither pushes out those asked for again nor costs the keeping) in one
byte-bounded LRU (`ResponseCache`, RESPONSE_CACHE_BYTES; 0 turns it off), shared by all
threads and emptied when the release changes (`context.release_of`: the store folder's live
generation, the embedded store and the dumps' SHA256SUMS; a remote store has none, so
nothing is cached).

- **Key**: path (with the mount point, SCRIPT_NAME, that links on pages start with), query
  string, the `Accept` header as negotiation reads it (media ranges without parameters,
  qualities replaced by their rank: `text/turtle;q=0.9` and `text/turtle` are one entry) and
  the interface language `Accept-Language` negotiates (`?lang=` is in the query string).
  Both are normalised once per distinct header value of at most 512 characters
  (`functools.lru_cache`, 1,024 and 256 values), longer ones every time.
- **ETag** = the release and the key, hashed: a conditional GET or HEAD (`If-None-Match`, or
  `If-Modified-Since` against a cached `Last-Modified`) is answered 304 before any work, from
  the entry or, when the entry is not (or no longer) cached, from the tag alone.
- **What is kept**: a GET or HEAD (HEAD is answered from the GET's entry, without the body)
  whose answer is 200 with a `Content-Length` of at most an eighth of the bound, no
  `Cache-Control: no-store`, `no-cache` or `private`, no `Set-Cookie`, and a `Vary` of at most
  `Accept` and `Accept-Language`. Errors carry `no-store` (`response_guards`), streamed
  answers no `Content-Length`; so neither is kept. A route whose answer is not a function of
  the release and the request opts out with `Cache-Control: no-store` (SPARQL queries that
  mention SERVICE do: `sparql_routes`). Requests with `Range` or `Cookie` pass through.
- The cached answer is the app's whole answer (security headers, CORS, `Vary`, `Link`
  included), so a warm answer has the cold one's headers, byte for byte.
- **Observable**: `ResponseCache.stats()`; and at log level info (logger
  `citydip_ld.web.response_cache`), one line each time the cache fills another eighth of its
  bound, and one when it first reaches the bound in a release (from then on it evicts), each
  with its bytes and entries (`benchmarks/load.py` reads them).
- **Memory back to the system**: evicted answers leave their memory free inside the C
  allocator's heaps, where RSS keeps it (measured: a 10-minute soak at S rose 2.4-4.0 MiB/min
  after the cache was full, and stayed flat with the cache off). Each time the cache has
  evicted (or cleared) another eighth of its bound, it asks glibc to hand free heap memory back
  (`malloc_trim(0)`, outside the cache's lock; the pause is logged at debug level). Elsewhere
  than glibc there is no such call and nothing is done.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import Flask

from citydip_ld.c_library import malloc_trim
from citydip_ld.conneg import negotiate_language, parse_accept
from citydip_ld.web.i18n import LANGUAGES
from citydip_ld.web.security_headers import COMMON_HEADERS, NON_HTML_POLICY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    #: A WSGI app that may decline a request: None, having sent nothing.
    DecliningApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes] | None]

LOG = logging.getLogger(__name__)
CACHE_KEY = "citydip.response_cache"
#: The fill is logged at each of these fractions of the bound (eighths) on the way to full.
FILL_STEPS = 8
#: The default bound of the cache, in bytes (bodies, headers and keys).
DEFAULT_BYTES = 64 << 20
#: An entry may take at most this fraction of the bound (1/8).
ENTRY_SHARE = 8
#: Bytes counted per entry beyond its body, headers and key (the objects holding them).
ENTRY_OVERHEAD = 512
#: Requests for an answer before it is kept, by default (RESPONSE_CACHE_MIN_USES; nginx's
#: `proxy_cache_min_uses`): an answer asked for once (a crawler's walk through every
#: resource) is not kept, so it neither pushes out the answers asked for again nor costs
#: the keeping.
DEFAULT_MIN_USES = 2
#: Keys asked for fewer than `min_uses` times remembered at most (by hash; then all
#: forgotten at once, as TinyLFU's doorkeeper is reset): 64 Ki of them, a few MiB.
SEEN_KEPT = 1 << 16
#: Bytes counted for a remembered key (a dict slot and an int: 76 measured by tracemalloc
#: with 64 Ki keys; more to allow for the dict's spare room).
SEEN_ENTRY_BYTES = 96
#: The remembered keys take at most this fraction of the bound (1/16: 43,690 keys in the
#: default 64 MiB; `SEEN_KEPT` from a bound of 96 MiB); the answers kept have the rest.
SEEN_SHARE = 16
#: `Vary` headers the key covers; an answer varying on anything else is not kept.
KEYED_VARY = frozenset({"accept", "accept-language"})
#: `Cache-Control` directives that keep an answer out of the cache.
OPT_OUT = ("no-store", "no-cache", "private")
#: Headers a 304 does not repeat (it has no body).
NOT_ON_304 = frozenset({"content-length", "content-type"})

Key = tuple[str, str, str, str]


#: glibc's `malloc_trim`, or None where the C library has none (musl, macOS).
MALLOC_TRIM = malloc_trim()


@dataclass(frozen=True)
class Entry:
    """One cached answer: its status line, headers (ETag included) and body."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str
    last_modified: str | None
    size: int
    #: The status code and the headers as a list, made once: what a front that sends
    #: answers itself (`citydip_ld.granian_front`) hands its server on every hit.
    code: int = field(init=False, compare=False)
    header_list: list[tuple[str, str]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", int(self.status.split(" ", 1)[0]))
        object.__setattr__(self, "header_list", list(self.headers))


class ResponseCache:
    """A byte-bounded LRU of answers for one release, each kept from its `min_uses`-th
    request on (`admit`); thread-safe (one lock). The bound `max_bytes` holds the answers
    and the memo of keys asked for too few times yet: the memo remembers at most
    `seen_limit` keys (`SEEN_ENTRY_BYTES` each, at most 1/`SEEN_SHARE` of the bound), the
    answers take at most `entry_bound`, the rest."""

    def __init__(self, max_bytes: int, min_uses: int = DEFAULT_MIN_USES) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // ENTRY_SHARE
        self.min_uses = max(1, min_uses)
        share = max_bytes // (SEEN_SHARE * SEEN_ENTRY_BYTES)
        self.seen_limit = 0 if self.min_uses <= 1 else max(1, min(SEEN_KEPT, share))
        self.entry_bound = max(0, max_bytes - self.seen_limit * SEEN_ENTRY_BYTES)
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        #: Uses so far of the keys asked for fewer than `min_uses` times, by the key's hash.
        self._seen: dict[int, int] = {}
        self.unkept = 0  # answers not kept: asked for too few times yet
        self._lock = threading.Lock()
        self._release: str | None = None
        self.bytes = 0
        self.hits = self.misses = self.clears = self.evictions = 0
        self._logged_step = 0  # eighths of the bound logged in this release (FILL_STEPS: full)
        self._freed = 0  # bytes evicted or cleared since memory was last handed back
        self.trims = 0
        self.trim = MALLOC_TRIM

    def use_release(self, release: str) -> None:
        """Empty the cache if `release` is not the one its entries belong to."""
        if release == self._release:
            return
        with self._lock:
            if release != self._release:
                self._freed += self.bytes
                self._entries.clear()
                self._seen.clear()
                self.bytes = 0
                self.clears += self._release is not None
                self._release = release
                self._logged_step = 0
            due = self._trim_due()
        self._hand_back(due)

    def clear(self) -> None:
        """Forget every entry (the release stays; e.g. a test that changes a limit)."""
        with self._lock:
            self._freed += self.bytes
            self._entries.clear()
            self._seen.clear()
            self.bytes = 0
            self.clears += 1
            self._logged_step = 0
            due = self._trim_due()
        self._hand_back(due)

    def _trim_due(self) -> bool:
        """Whether another eighth of the bound has been freed since the last trim (under
        the lock)."""
        if self.trim is None or self._freed < max(self.max_bytes // FILL_STEPS, 1):
            return False
        self._freed = 0
        self.trims += 1
        return True

    def _hand_back(self, due: bool) -> None:
        """Ask the C allocator to return free heap memory to the system (outside the lock)."""
        if not due or self.trim is None:
            return
        started = time.perf_counter()
        self.trim(0)
        LOG.debug("malloc_trim after evictions: %.1f ms", (time.perf_counter() - started) * 1000)

    @property
    def release(self) -> str | None:
        """The release the entries belong to (None before the first)."""
        return self._release

    def get(self, key: Key, count_miss: bool = True) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += count_miss
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def admit(self, key: Key) -> bool:
        """Whether the answer to `key` is kept now: this is its `min_uses`-th request (the
        earlier ones counted by the key's hash, at most `seen_limit` keys; two keys sharing a
        hash, or a memo forgotten, only change when an answer is first kept)."""
        if self.min_uses <= 1:
            return True
        hashed = hash(key)
        with self._lock:
            uses = self._seen.pop(hashed, 0) + 1
            if uses >= self.min_uses:
                return True
            if len(self._seen) >= self.seen_limit:
                self._seen.clear()
            self._seen[hashed] = uses
            self.unkept += 1
            return False

    def count_miss(self) -> None:
        """Count a miss that `get` was told not to count (the caller did not know yet)."""
        with self._lock:
            self.misses += 1

    def put(self, key: Key, entry: Entry, release: str) -> None:
        """Keep `entry` (if it fits and still belongs to the current release), evicting the
        least recently used entries beyond the bound."""
        if entry.size > self.max_entry:
            return
        with self._lock:
            if release != self._release:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = entry
            self.bytes += entry.size
            full = self.bytes > self.entry_bound
            while self.bytes > self.entry_bound:
                _key, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.size
                self._freed += evicted.size
                self.evictions += 1
            due = self._trim_due()
            held = self.bytes + self.max_bytes - self.entry_bound  # the memo's share too
            step = FILL_STEPS if full else held * FILL_STEPS // self.max_bytes
            log = step > self._logged_step
            self._logged_step = max(step, self._logged_step)
            figures = (held, self.max_bytes, len(self._entries))
        self._hand_back(due)
        if not log:
            return
        if step == FILL_STEPS:
            LOG.info("response cache reached its bound: %d of %d bytes in %d entries", *figures)
        else:
            LOG.info("response cache filling: %d of %d bytes in %d entries", *figures)

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> dict[str, int]:
        """Entries, bytes, hits, misses, evictions and clears so far (tests, benchmarks)."""
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self.bytes,
                "max_bytes": self.max_bytes,
                "entry_bound": self.entry_bound,
                "seen": len(self._seen),
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "clears": self.clears,
                "trims": self.trims,
                "unkept": self.unkept,
            }


# ---------------------------------------------------------------- the key and the tag


#: Headers longer than this are normalised every time instead of kept in the functions'
#: caches, which are bounded by count: 1,024 kept headers of a server's largest header size
#: (waitress: 256 KiB) would be 256 MiB.
MAX_KEPT_HEADER = 512


def accept_key(header: str) -> str:
    """The `Accept` header as negotiation reads it: ranges without parameters, each quality
    replaced by its rank among the header's qualities (0 stays 0). werkzeug's `best_match`
    only compares qualities, so two headers with the same key negotiate alike."""
    return _accept_key(header) if len(header) <= MAX_KEPT_HEADER else _read_accept(header)


@lru_cache(maxsize=1024)
def _accept_key(header: str) -> str:
    return _read_accept(header)


def _read_accept(header: str) -> str:
    ranges = list(parse_accept(header))
    if not ranges:
        return header if header.strip() else ""  # not a header negotiation reads: kept as is
    ranks = {q: rank for rank, q in enumerate(sorted({q for _r, q in ranges if q > 0}), 1)}
    return ",".join(f"{value};{ranks.get(q, 0)}" for value, q in ranges)


def language_key(header: str) -> str:
    """The interface language an `Accept-Language` header negotiates (pages' rule)."""
    if len(header) > MAX_KEPT_HEADER:
        return negotiate_language(header, LANGUAGES)
    return _language_key(header)


@lru_cache(maxsize=256)
def _language_key(header: str) -> str:
    return negotiate_language(header or None, LANGUAGES)


def request_key(environ: WSGIEnvironment) -> Key:
    return (
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        accept_key(environ.get("HTTP_ACCEPT", "")),
        language_key(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
    )


def entity_tag(release_tag: str, key: Key) -> str:
    """The strong ETag of the answer to `key` in the release tagged `release_tag`."""
    digest = hashlib.blake2b("\0".join(key).encode("utf-8", "surrogateescape"), digest_size=12)
    return f'"{release_tag}-{digest.hexdigest()}"'


def release_tag(release: str) -> str:
    return hashlib.blake2b(release.encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()


def _etag_matches(header: str, etag: str) -> bool:
    """`If-None-Match` (weak comparison, `*` included) against our tag."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified(environ: WSGIEnvironment, etag: str, last_modified: str | None) -> bool:
    """Whether a conditional GET/HEAD may be answered 304 (RFC 9110 §13.2.2 order)."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- what may be kept


def cacheable(status: str, headers: list[tuple[str, str]], max_entry: int) -> bool:
    """Whether an answer with `status` and `headers` may be kept (module docstring)."""
    if not status.startswith("200"):
        return False
    length = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-length":
            length = value
        elif lowered == "cache-control":
            directives = value.lower()
            if any(word in directives for word in OPT_OUT):
                return False
        elif lowered == "set-cookie":
            return False
        elif lowered == "vary":
            varied = {part.strip().lower() for part in value.split(",")}
            if not varied <= KEYED_VARY:
                return False
    return length is not None and length.isdigit() and int(length) <= max_entry


def make_entry(
    status: str, headers: list[tuple[str, str]], body: bytes, etag: str, key: Key
) -> Entry:
    """An entry with the app's headers, its ETag replaced by the release's."""
    kept = [(name, value) for name, value in headers if name.lower() != "etag"]
    kept.append(("ETag", etag))
    modified = next((v for n, v in headers if n.lower() == "last-modified"), None)
    size = ENTRY_OVERHEAD + len(body) + sum(len(n) + len(v) + 16 for n, v in kept)
    size += sum(len(part) for part in key)
    return Entry(status, tuple(kept), body, etag, modified, size)


def minimal_304_headers(etag: str) -> list[tuple[str, str]]:
    """A 304 for a tag whose entry is not cached: the tag, caching and security headers."""
    return [
        ("ETag", etag),
        ("Cache-Control", "public, max-age=300"),
        *COMMON_HEADERS,
        ("Content-Security-Policy", NON_HTML_POLICY),
    ]


# ---------------------------------------------------------------- the middleware


class ResponseCacheMiddleware:
    """The WSGI middleware answering GET and HEAD from `cache` (module docstring).

    `release` says which release the app answers from now (None: no caching, the app
    answers; e.g. a store folder that is missing, or a store not opened yet)."""

    def __init__(
        self, app: WSGIApplication, cache: ResponseCache, release: Callable[[], str | None]
    ) -> None:
        self.app = app
        self.cache = cache
        self.release = release
        self._tags: tuple[str, str] = ("", "")

    def _tag(self, release: str) -> str:
        known, tag = self._tags
        if known != release:
            tag = release_tag(release)
            self._tags = (release, tag)
        return tag

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not _may_keep(environ):
            return self.app(environ, start_response)
        release = self.release()
        if release is None:
            return self.app(environ, start_response)
        answered = self._through(self.app, environ, start_response, release, declining=False)
        return [] if answered is None else answered  # the app behind never declines

    def quick(
        self, inner: DecliningApp, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes] | None:
        """`__call__` with `inner` in place of the app behind: a WSGI app that may decline a
        request (None, nothing sent; `DocumentRoute.quick`), and then so does this. Only a
        GET or HEAD the cache may keep, with the store's release known (a store not opened
        yet: the caller asks `inner`'s owner first, as the release check would open it)."""
        if not _may_keep(environ):
            return None
        release = self.release()
        if release is None:
            return None
        return self._through(inner, environ, start_response, release, declining=True)

    def _through(
        self,
        app: DecliningApp,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        release: str,
        declining: bool,
    ) -> Iterable[bytes] | None:
        """The answer of the cache, else of `app` (kept if it may be): None if `app` declines
        (`declining`: it may; then a miss is counted only once it answers, as the app that
        answers instead counts its own)."""
        self.cache.use_release(release)
        key = request_key(environ)
        entry = self.cache.get(key, count_miss=not declining)
        if entry is not None:
            return answer(entry, environ, start_response)
        etag = entity_tag(self._tag(release), key)
        if environ.get("HTTP_IF_NONE_MATCH") is not None and not_modified(environ, etag, None):
            if declining:
                self.cache.count_miss()
            start_response("304 Not Modified", minimal_304_headers(etag))
            return []
        return self._fill(app, environ, start_response, key, etag, release, declining)

    def cached(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes] | None:
        """The answer to a GET or HEAD that the cache holds, without the app; None when the
        app must answer (a miss, a request the cache does not keep, a release not yet seen).
        Never waits on the store: nothing is looked up before the cache's first entry (the
        release check may open the store) or across a change of release (the cache is
        emptied then, which may hand memory back). For a front that answers hits from an
        event loop (`citydip_ld.granian_front`); the WSGI route is `__call__`."""
        if not self.cache.bytes or not _may_keep(environ):
            return None
        release = self.release()
        if release is None or release != self.cache.release:
            return None
        entry = self.cache.get(request_key(environ), count_miss=False)
        return None if entry is None else answer(entry, environ, start_response)

    def hit(self, path: str, query: str, accept: str, language: str) -> Entry | None:
        """The entry for a plain GET or HEAD, without an environ: `path` the mount point and
        the path (SCRIPT_NAME + PATH_INFO), `query` QUERY_STRING, `accept` and `language` the
        raw `Accept` and `Accept-Language` headers ("" when absent); None when the app must
        answer. The caller has made sure the request has no `Range`, `Cookie` or conditional
        header (the entry is then the whole answer, as `cached` would give it) and that the
        trusted-proxy middleware would change nothing. Never waits on the store (`cached`)."""
        if not self.cache.bytes:
            return None
        release = self.release()
        if release is None or release != self.cache.release:
            return None
        key = (path, query, accept_key(accept), language_key(language))
        return self.cache.get(key, count_miss=False)

    def _fill(
        self,
        app: DecliningApp,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        key: Key,
        etag: str,
        release: str,
        declining: bool,
    ) -> Iterable[bytes] | None:
        """Ask `app` (HEAD as GET), keep its answer if it may be kept, then answer. The app
        sees the conditional headers too: a tag it made itself (an answer too big to keep)
        gets its own 304, which passes through."""
        inner = environ
        if environ["REQUEST_METHOD"] == "HEAD":  # answered from the GET's entry
            inner = {**environ, "REQUEST_METHOD": "GET"}
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return _no_write

        body = app(inner, capture)
        if body is None:  # declined: nothing sent
            return None
        if declining:
            self.cache.count_miss()
        status, headers = captured["status"], captured["headers"]
        if captured["exc_info"] is not None or not cacheable(status, headers, self.cache.max_entry):
            start_response(status, headers, captured["exc_info"])
            return _without_body(body) if environ["REQUEST_METHOD"] == "HEAD" else body
        data = _read(body)
        entry = make_entry(status, headers, data, etag, key)
        length = next(v for n, v in headers if n.lower() == "content-length")
        if int(length) == len(data) and self.cache.admit(key) and self.release() == release:
            self.cache.put(key, entry, release)
        return answer(entry, environ, start_response)


def _may_keep(environ: WSGIEnvironment) -> bool:
    """Whether the cache may answer or keep the answer to `environ`: a GET or HEAD, whole
    (no `Range`), without a `Cookie` (which the cache would pass on)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    return "HTTP_RANGE" not in environ and "HTTP_COOKIE" not in environ


def _no_write(_data: bytes) -> object:
    raise RuntimeError("the response cache does not support WSGI's write()")


def _read(body: Iterable[bytes]) -> bytes:
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _without_body(body: Iterable[bytes]) -> list[bytes]:
    close = getattr(body, "close", None)
    if close is not None:
        close()
    return []


def answer(entry: Entry, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """Answer from `entry`: 304 when the client has it, headers only for HEAD."""
    if ("HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ) and not_modified(
        environ, entry.etag, entry.last_modified
    ):
        headers = [(n, v) for n, v in entry.headers if n.lower() not in NOT_ON_304]
        start_response("304 Not Modified", headers)
        return []
    start_response(entry.status, list(entry.headers))
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]


def get_response_cache(app: Flask) -> ResponseCache | None:
    """The app's response cache (None: RESPONSE_CACHE_BYTES is 0)."""
    cache: ResponseCache | None = app.extensions.get(CACHE_KEY)
    return cache


def install_response_cache(app: Flask, release: Callable[[], str | None]) -> None:
    """Wrap `app.wsgi_app` with the response cache, unless RESPONSE_CACHE_BYTES is 0; an
    answer is kept from its RESPONSE_CACHE_MIN_USES-th request on."""
    max_bytes = int(app.config.get("RESPONSE_CACHE_BYTES") or 0)
    if max_bytes <= 0:
        return
    min_uses = int(app.config.get("RESPONSE_CACHE_MIN_USES", DEFAULT_MIN_USES))
    cache = ResponseCache(max_bytes, min_uses)
    app.extensions[CACHE_KEY] = cache
    app.wsgi_app = ResponseCacheMiddleware(app.wsgi_app, cache, release)  # type: ignore[method-assign]
