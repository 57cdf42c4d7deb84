"""Rate limits and injected faults: the optional bucket model, fault rules and their answers."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

# status -> (code, message) of an injected failure that names neither
DEFAULT_FAULT_ANSWERS = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50013, "Missing Permissions"),
    404: (10003, "Unknown Channel"),
    500: (0, "500: Internal Server Error"),
    502: (0, "502: Bad Gateway"),
    503: (0, "503: Service Unavailable"),
}


@dataclass
class FaultRule:
    method: str | None
    pattern: re.Pattern[str]
    status: int
    times: int | None
    retry_after: float = 0.2
    is_global: bool = False
    code: int | None = None
    message: str | None = None
    body: Any = None
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in (None, "*") and self.method.upper() != method:
            return False
        return self.pattern.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def error_body(self) -> dict[str, Any]:
        """The JSON answer of a non-429 fault without a ``body`` of its own."""
        code, message = DEFAULT_FAULT_ANSWERS.get(self.status, (0, f"{self.status}: Error"))
        return {
            "message": self.message or message,
            "code": self.code if self.code is not None else code,
        }


def too_many_requests(
    retry_after: float, is_global: bool, headers: dict[str, str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and JSON body of a 429, on top of the bucket ``headers`` known so far."""
    hdrs = dict(headers)
    hdrs.setdefault("X-RateLimit-Limit", "5")
    hdrs["X-RateLimit-Remaining"] = "0"
    hdrs.setdefault("X-RateLimit-Reset", f"{time.time() + retry_after:.3f}")
    hdrs["X-RateLimit-Reset-After"] = f"{retry_after:.3f}"
    hdrs["Retry-After"] = str(max(1, math.ceil(retry_after)))
    hdrs["Via"] = "1.1 google"  # without it discord.py assumes a Cloudflare ban
    if is_global:
        hdrs["X-RateLimit-Global"] = "true"
        hdrs["X-RateLimit-Scope"] = "global"
    else:
        hdrs.setdefault("X-RateLimit-Scope", "user")
    body: dict[str, Any] = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    if not is_global:
        body["code"] = 0
    return hdrs, body


@dataclass
class _Bucket:
    limit: int
    remaining: int
    reset_at: float


class RateLimitModel:
    """Global N requests/s plus per-route buckets (channel message create: 5 per 5 s)."""

    def __init__(
        self,
        global_limit: int = 50,
        channel_messages: tuple[int, float] = (5, 5.0),
        route_limit: tuple[int, float] = (50, 1.0),
    ) -> None:
        self.global_limit = global_limit
        self.channel_messages = channel_messages
        self.route_limit = route_limit
        self._global: deque[float] = deque()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @staticmethod
    def bucket_hash(route_key: str) -> str:
        return hashlib.sha1(route_key.encode()).hexdigest()[:16]

    def check(
        self, route_key: str, major: str, exempt_global: bool
    ) -> tuple[dict[str, str], float | None, str]:
        """Returns (headers, retry_after or None, scope)."""
        now = time.monotonic()
        wall = time.time()
        if not exempt_global:
            while self._global and self._global[0] <= now - 1.0:
                self._global.popleft()
            if len(self._global) >= self.global_limit:
                retry = max(0.001, self._global[0] + 1.0 - now)
                return (
                    {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                    retry,
                    "global",
                )
            self._global.append(now)
        if route_key == "POST /channels/{channel_id}/messages":
            limit, window = self.channel_messages
        else:
            limit, window = self.route_limit
        bucket_hash = self.bucket_hash(route_key)
        key = (bucket_hash, major)
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.reset_at:
            bucket = self._buckets[key] = _Bucket(limit, limit, now + window)
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Reset": f"{wall + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }
        if bucket.remaining <= 0:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            return headers, max(0.001, reset_after), "user"
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return headers, None, "user"
