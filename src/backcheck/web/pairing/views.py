"""Pages of network mode: the pairing link, and the devices page (list, revoke, pair another)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import ceil

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from backcheck.web.context import render
from backcheck.web.deps import FormDep, SessionDep, SettingsDep
from backcheck.web.errors import AppError
from backcheck.web.pairing.codes import PairingCodes, RateLimiter
from backcheck.web.pairing.cookie import (
    DEVICE_COOKIE,
    device_cookie_header,
    read_device,
    sign_device,
)
from backcheck.web.pairing.gate import cookie_value
from backcheck.web.pairing.network import NetworkMode
from backcheck.web.pairing.qr import qr_svg
from backcheck.web.pairing.store import (
    active_device,
    describe_device,
    list_devices,
    pair_device,
    revoke_device,
)

pages = APIRouter(include_in_schema=False)

LINK_USED = (
    "This pairing link has expired or was already used. On a device that is already paired, "
    "open Devices to show a new one, or restart `backcheck serve --network`."
)


@dataclass
class Pairing:
    """Network mode's live state: its configuration, the codes handed out, the attempt limit."""

    network: NetworkMode
    codes: PairingCodes = field(default_factory=PairingCodes)
    limiter: RateLimiter = field(default_factory=RateLimiter)


def get_pairing(request: Request) -> Pairing:
    """The pairing state of the running app."""
    pairing: Pairing = request.app.state.pairing
    return pairing


def _paired_id(request: Request, session: Session, secret_key: str) -> str | None:
    device_id = read_device(secret_key, cookie_value(request.headers, DEVICE_COOKIE))
    if device_id is None:
        return None
    device = active_device(session=session, device_id=device_id, now=datetime.now(UTC))
    return device.id if device else None


@pages.get("/pair/{code}")
def pair(request: Request, code: str, session: SessionDep, settings: SettingsDep) -> Response:
    """Open the link once, within 10 minutes: this browser becomes a paired device."""
    pairing = get_pairing(request)
    if _paired_id(request, session, settings.secret_key) is not None:
        return RedirectResponse("/devices", status_code=303)  # keep the code for another device
    client = request.client.host if request.client else "unknown"
    wait_s = pairing.limiter.attempt(client)
    if wait_s > 0:
        minutes = max(1, ceil(wait_s / 60))
        raise AppError(
            429,
            f"Too many pairing attempts. Wait {minutes} minute{'s' if minutes > 1 else ''} "
            "and open a fresh pairing link.",
        )
    if not pairing.codes.redeem(code.strip().lower()):
        raise AppError(404, LINK_USED)
    device = pair_device(
        session=session,
        name=describe_device(request.headers.get("user-agent", "")),
        now=datetime.now(UTC),
    )
    response = RedirectResponse("/devices?paired=1", status_code=303)
    cookie = device_cookie_header(
        sign_device(settings.secret_key, device.id), secure=pairing.network.tls
    )
    response.headers.append("set-cookie", cookie)
    return response


@pages.get("/devices")
def devices_page(request: Request, session: SessionDep) -> Response:
    """The paired devices (name, last seen), revoke buttons, and a fresh link with its QR."""
    pairing = get_pairing(request)
    link = pairing.network.pairing_link(pairing.codes.issue().code)
    return render(
        request,
        "pairing/devices.html",
        devices=list_devices(session=session),
        this_device=request.state.device_id,
        link=link,
        qr=Markup(qr_svg(link)),
        just_paired=request.query_params.get("paired") == "1",
    )


@pages.post("/devices/{device_id}/revoke")
def revoke(device_id: str, form: FormDep, session: SessionDep) -> Response:
    """Revoke a device (the form token is checked): its cookie stops working at once."""
    del form  # read for its CSRF check
    if not revoke_device(session=session, device_id=device_id, now=datetime.now(UTC)):
        raise AppError(404, "No such paired device.")
    return RedirectResponse("/devices", status_code=303)
