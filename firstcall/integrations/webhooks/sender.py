"""One HTTP POST of a signed webhook to a checked address: no redirects followed, no proxies from the
environment, bounded time. Pure: no Django."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from firstcall.integrations.webhooks.addresses import BlockedDestination, check_destination


@dataclass
class SendResult:
    status_code: int | None
    error: str
    duration_ms: int
    response_excerpt: str = ""

    @property
    def is_success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str, body: bytes, headers: dict, *, allowed_hosts: list[str], timeout_seconds: float
) -> SendResult:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        destination = check_destination(url, allowed_hosts=allowed_hosts)
    except BlockedDestination as error:
        return SendResult(None, f"blocked: {error}"[:300], elapsed())
    target = httpx.URL(url)
    host_header = target.host if target.port is None else f"{target.host}:{target.port}"
    pinned = target.copy_with(host=destination.address)
    extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
    timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
    try:
        with httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout) as client:
            response = client.post(pinned, content=body, headers={**headers, "Host": host_header},
                                   extensions=extensions)  # fmt: skip
    except httpx.TimeoutException:
        return SendResult(None, f"timed out after {timeout_seconds:g} s", elapsed())
    except httpx.HTTPError as error:
        return SendResult(None, f"{type(error).__name__}: {error}"[:300], elapsed())
    excerpt = response.text[:300] if response.content else ""
    if 300 <= response.status_code < 400:
        return SendResult(response.status_code, "redirects are not followed", elapsed(), excerpt)
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return SendResult(response.status_code, error, elapsed(), excerpt)
