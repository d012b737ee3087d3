"""The one HTTP client of `publish`, `link` and the remote store: a `requests.Session`.

Before, each request built a new urllib opener: a new connection every time, and with digest
authentication every request went out twice (once to be refused with a challenge, once
answered), bodies included: 3 uploads were 6 requests on 6 connections. Now:

- one session keeps its connections alive (urllib3's pool) and reuses them;
- authentication is learned from the first challenge: digest (requests' `HTTPDigestAuth`,
  which then signs every later request with the same nonce and a counter, so only the first
  request of a thread is refused) or basic (sent up front from then on);
- retries and backoff are urllib3's `Retry`: refused connections, and the statuses given
  (429 and 503 by default: the server did not do the work), with exponential backoff that
  honours `Retry-After`. A request whose connection broke after it was sent is not retried:
  it may have been carried out (a SPARQL Update is not idempotent);
- a deadline on the whole answer (`timeout` also bounds each connect and read) and a cap on
  its size; HTTP error statuses are answers, not exceptions.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from citydip_ld import __version__
from citydip_ld.errors import RemoteStoreError, StoreUnavailableError

USER_AGENT = f"citydip-ld/{__version__} (remote SPARQL store)"
#: The largest answer read (a guard; the row limit applies after parsing).
MAX_BODY_BYTES = 256 * 1024 * 1024
#: How much of an error body is quoted in a message.
DETAIL_CHARS = 500
#: Statuses that say the server did not do the work and a retry may succeed.
RETRY_STATUSES = (429, 503)
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] | None = None

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def detail(self) -> str:
        text = self.body[:DETAIL_CHARS].decode("utf-8", "replace").strip()
        return " ".join(text.split()) or "(empty body)"


class ChallengeAuth(AuthBase):
    """Basic or digest credentials, whichever the server's first challenge asks for."""

    def __init__(self, user: str, password: str) -> None:
        self._basic = HTTPBasicAuth(user, password)
        self._digest = HTTPDigestAuth(user, password)
        self._scheme: str | None = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._scheme == "digest":
            return self._digest(request)
        if self._scheme == "basic":
            return self._basic(request)
        request.register_hook("response", self._first_challenge)
        return request

    def _first_challenge(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        challenge = response.headers.get("WWW-Authenticate", "").lower()
        if response.status_code != 401 or self._scheme is not None:
            return response
        if challenge.startswith("digest"):
            self._scheme = "digest"
            self._digest.init_per_thread_state()
            self._digest._thread_local.num_401_calls = 1
            answered: requests.Response = self._digest.handle_401(response, **kwargs)
            return answered
        if not challenge.startswith("basic"):
            return response
        self._scheme = "basic"
        response.content  # noqa: B018 (read it, so the connection can be reused)
        response.close()
        retried = response.request.copy()
        self._basic(retried)
        assert response.connection is not None
        again: requests.Response = response.connection.send(retried, **kwargs)
        again.history.append(response)
        again.request = retried
        return again


def _attempts(response: requests.Response) -> int:
    """Requests sent for `response`: authentication round trips and urllib3's retries."""
    total = 0
    for each in [*response.history, response]:
        retries = getattr(each.raw, "retries", None)
        total += 1 + len(getattr(retries, "history", ()) or ())
    return total


def _timed_out(exc: requests.ConnectionError) -> bool:
    """Whether requests' `ConnectionError` is a read that timed out (urllib3 wraps it in a
    `MaxRetryError` when it does not retry reads)."""
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, ReadTimeoutError) or (
        isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError)
    )


def _reason(exc: BaseException) -> str:
    found = _ERRNO.search(str(exc))
    return found.group(0).strip() if found else type(exc).__name__


class HttpClient:
    """One session for every request of a command or a web process (see the module
    docstring). `retries` (0: none) and `backoff` are urllib3's: the first retry is at once,
    the next ones wait 2, 4, 8, ... times `backoff` seconds, unless `Retry-After` says more."""

    def __init__(
        self,
        user: str | None = None,
        password: str | None = None,
        *,
        user_agent: str = USER_AGENT,
        max_bytes: int = MAX_BODY_BYTES,
        retries: int = 0,
        backoff: float = 0.5,
        retry_statuses: tuple[int, ...] = RETRY_STATUSES,
        pool_size: int = 16,
    ) -> None:
        self.user = user
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.requests = 0  # requests sent, retries and authentication round trips included
        self._count_lock = threading.Lock()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.trust_env = False  # no proxy or .netrc from the environment
        if user is not None:
            self.session.auth = ChallengeAuth(user, password or "")
        retry = Retry(
            total=retries,
            connect=retries,
            read=0,
            status=retries,
            other=0,
            redirect=0,
            backoff_factor=backoff,
            status_forcelist=retry_statuses,
            allowed_methods=None,  # any method: these statuses mean nothing was done
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"HttpClient(user={self.user!r})"

    def close(self) -> None:
        self.session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        timeout: float,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request; raises `TimeoutError` past `timeout` seconds (connecting and
        reading the whole answer) and `StoreUnavailableError` when the store cannot be reached."""
        deadline = time.monotonic() + timeout
        try:
            response = self.session.request(
                method,
                url,
                data=body,
                headers=dict(headers or {}),
                timeout=timeout,
                stream=True,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TimeoutError(f"{url}: no answer within {timeout:g} s") from None
        except requests.ConnectionError as exc:
            self._count(1)
            if _timed_out(exc):
                raise TimeoutError(f"{url}: no answer within {timeout:g} s") from None
            raise StoreUnavailableError(
                f"cannot reach the store at {url}: {_reason(exc)}; is it running, and is the "
                "URL right?",
                url=url,
            ) from None
        except requests.RequestException as exc:
            raise StoreUnavailableError(
                f"the connection to the store at {url} failed: {_reason(exc)}; is it running?",
                url=url,
            ) from None
        self._count(_attempts(response))
        return self._read(response, url, timeout, deadline)

    def _read(
        self, response: requests.Response, url: str, timeout: float, deadline: float
    ) -> HttpResponse:
        """The whole answer of `response`, within `max_bytes` and the deadline."""
        with response:
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_content(65536):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise RemoteStoreError(
                            f"{url}: the answer is larger than {self.max_bytes} bytes; "
                            "narrow the query",
                            url=url,
                        )
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{url}: no complete answer within {timeout:g} s")
            except requests.ConnectionError as exc:
                if _timed_out(exc):
                    raise TimeoutError(f"{url}: no complete answer within {timeout:g} s") from None
                raise StoreUnavailableError(
                    f"the connection to the store at {url} failed: {_reason(exc)}; is it running?",
                    url=url,
                ) from None
            except requests.RequestException as exc:
                raise StoreUnavailableError(
                    f"the connection to the store at {url} failed: {_reason(exc)}",
                    url=url,
                ) from None
        return HttpResponse(
            response.status_code,
            response.headers.get("Content-Type", ""),
            b"".join(chunks),
            dict(response.headers),
        )

    def _count(self, sent: int) -> None:
        with self._count_lock:
            self.requests += sent
