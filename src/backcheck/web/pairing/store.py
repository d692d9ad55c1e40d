"""The paired-device store: pair, look up (active only), note when last seen, list, revoke."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.storage.models import PairedDevice, new_id

# Writing "last seen" on every request would turn each page view into a database write.
SEEN_RESOLUTION = timedelta(minutes=1)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def pair_device(*, session: Session, name: str, now: datetime) -> PairedDevice:
    """Record a newly paired device."""
    device = PairedDevice(id=new_id(), name=name[:80], paired_at=now, last_seen_at=now)
    session.add(device)
    session.flush()
    return device


def active_device(*, session: Session, device_id: str, now: datetime) -> PairedDevice | None:
    """The device if it is paired and not revoked; its last-seen time is brought up to date."""
    device = session.get(PairedDevice, device_id)
    if device is None or device.revoked_at is not None:
        return None
    if now - _aware(device.last_seen_at) >= SEEN_RESOLUTION:
        device.last_seen_at = now
    return device


def list_devices(*, session: Session) -> list[PairedDevice]:
    """Every device ever paired, active ones first, then by last seen (newest first)."""
    rows = session.scalars(select(PairedDevice)).all()
    return sorted(
        rows, key=lambda d: (d.revoked_at is not None, -_aware(d.last_seen_at).timestamp())
    )


def revoke_device(*, session: Session, device_id: str, now: datetime) -> bool:
    """Revoke a device; False when there is no such active device."""
    device = session.get(PairedDevice, device_id)
    if device is None or device.revoked_at is not None:
        return False
    device.revoked_at = now
    return True


_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android.*Mobile", "Android phone"),
    (r"Android", "Android tablet"),
    (r"Windows", "Windows computer"),
    (r"Macintosh|Mac OS X", "Mac"),
    (r"CrOS", "Chromebook"),
    (r"Linux", "Linux computer"),
)
_BROWSERS: tuple[tuple[str, str], ...] = (
    (r"Edg/", "Edge"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)


def describe_device(user_agent: str) -> str:
    """A plain name for a device from its browser's User-Agent ("Android phone, Chrome")."""
    kind = next((name for pat, name in _PATTERNS if re.search(pat, user_agent)), "Device")
    browser = next((name for pat, name in _BROWSERS if re.search(pat, user_agent)), None)
    return f"{kind}, {browser}" if browser else kind
