"""The device cookie: the paired device's id, signed with the app's key.

The signature stops forged or edited cookies; the device store decides whether the id is
still paired (revocation takes effect on the next request, whatever the cookie says).
"""

from __future__ import annotations

import re

from itsdangerous import BadSignature, URLSafeTimedSerializer

DEVICE_COOKIE = "bc_device"
DEVICE_MAX_AGE_S = 400 * 24 * 3600  # the longest lifetime browsers keep a cookie for
_SALT = "backcheck-paired-device"
_DEVICE_ID = re.compile(r"[0-9a-f]{32}")


def sign_device(secret_key: str, device_id: str) -> str:
    """The cookie value for ``device_id``."""
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps(device_id)


def read_device(secret_key: str, value: str | None) -> str | None:
    """The device id a cookie carries, or None when it is missing, forged, edited or too old."""
    if not value:
        return None
    try:
        device_id = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(
            value, max_age=DEVICE_MAX_AGE_S
        )
    except BadSignature:
        return None
    if not isinstance(device_id, str) or not _DEVICE_ID.fullmatch(device_id):
        return None
    return device_id


def device_cookie_header(value: str, *, secure: bool) -> str:
    """The Set-Cookie header: long-lived, script-proof, sent on top-level navigation."""
    flags = f"; Max-Age={DEVICE_MAX_AGE_S}; Path=/; HttpOnly; SameSite=Lax"
    return f"{DEVICE_COOKIE}={value}{flags}{'; Secure' if secure else ''}"
