"""Pairing codes (single use, 10 minutes) and a sliding-window limit on pairing attempts.

Both live in the server's memory: a code is only ever shown by the running server (terminal
or its devices page), so a restart simply invalidates the codes it had handed out. The clock
is injected so expiry and rate limits are tested without sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

CODE_TTL_S = 600.0
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): the code can be typed too.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12  # 31**12 ~ 2**59 possible codes
MAX_OUTSTANDING = 20

Clock = Callable[[], float]


def _digest(code: str) -> str:
    """Codes are kept by hash, so a lookup's timing tells nothing about stored codes."""
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class PairingCode:
    """A freshly issued code and when (on the store's clock) it stops working."""

    code: str
    expires_at: float


class PairingCodes:
    """Issues single-use codes and redeems each at most once, before it expires."""

    def __init__(self, *, clock: Clock = time.monotonic, ttl_s: float = CODE_TTL_S) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> PairingCode:
        """A new random code, valid for ``ttl_s`` seconds (the oldest are dropped past 20)."""
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        with self._lock:
            now = self._clock()
            self._prune(now)
            while len(self._expiry) >= MAX_OUTSTANDING:
                del self._expiry[next(iter(self._expiry))]
            expires = now + self._ttl_s
            self._expiry[_digest(code)] = expires
        return PairingCode(code, expires)

    def redeem(self, code: str) -> bool:
        """True exactly once for a live code; False when unknown, used or expired."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            return self._expiry.pop(_digest(code), None) is not None

    def outstanding(self) -> int:
        """How many codes could still be redeemed."""
        with self._lock:
            self._prune(self._clock())
            return len(self._expiry)

    def _prune(self, now: float) -> None:
        for key in [k for k, exp in self._expiry.items() if exp <= now]:
            del self._expiry[key]


class RateLimiter:
    """At most ``per_client`` attempts per client and ``overall`` in all per ``window_s``.

    The overall cap stops someone who changes address between guesses; with 12-character
    codes and these limits, guessing one before it expires is out of reach.
    """

    def __init__(
        self,
        *,
        per_client: int = 10,
        overall: int = 60,
        window_s: float = CODE_TTL_S,
        clock: Clock = time.monotonic,
    ) -> None:
        self.per_client = per_client
        self.overall = overall
        self.window_s = window_s
        self._clock = clock
        self._by_client: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def attempt(self, client: str) -> float:
        """Record an attempt: 0.0 when allowed, else the seconds to wait (not recorded)."""
        with self._lock:
            now = self._clock()
            cutoff = now - self.window_s
            while self._all and self._all[0] <= cutoff:
                self._all.popleft()
            for key in list(self._by_client):
                times = self._by_client[key]
                while times and times[0] <= cutoff:
                    times.popleft()
                if not times:
                    del self._by_client[key]
            mine = self._by_client.get(client, deque())
            if len(mine) >= self.per_client:
                return mine[0] + self.window_s - now
            if len(self._all) >= self.overall:
                return self._all[0] + self.window_s - now
            mine.append(now)
            self._by_client[client] = mine
            self._all.append(now)
            return 0.0
