"""Which addresses this machine has on the local network, and the hosts to allow for a bind.

The Host allow-list follows the bind address: bound to one address, only that address is a
valid Host; bound to every interface, every address of every interface that is up (plus the
machine's name) is. Anything else is still refused, which keeps DNS-rebinding pages out.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil

ALL_INTERFACES = ("0.0.0.0", "::", "")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


def is_all_interfaces(host: str) -> bool:
    """True for a bind address that means "every interface"."""
    return host in ALL_INTERFACES


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def interface_addresses() -> list[str]:
    """Every IPv4 and IPv6 address of an interface that is up (loopback included)."""
    stats = psutil.net_if_stats()
    found: list[str] = []
    for name, addrs in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for addr in addrs:
            if addr.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            text = addr.address.split("%", 1)[0]  # drop an IPv6 zone ("fe80::1%eth0")
            if text not in found:
                found.append(text)
    return found


def lan_address(candidates: list[str] | None = None) -> str | None:
    """The address other machines on the network most likely reach this one on.

    The address the kernel would send from towards the outside (a UDP "connect" sends
    nothing) when there is a route; otherwise the first private IPv4 address of an interface.
    """
    addresses = interface_addresses() if candidates is None else candidates
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never used, only routed
            chosen = str(probe.getsockname()[0])
        if chosen in addresses and not is_loopback(chosen):
            return chosen
    except OSError:
        pass
    v4 = [a for a in addresses if ":" not in a and not is_loopback(a)]
    private = [a for a in v4 if ipaddress.ip_address(a).is_private]
    chosen_list = private or v4
    return chosen_list[0] if chosen_list else None


def host_header_form(address: str) -> str:
    """How an address appears in a Host header and a URL (IPv6 in brackets)."""
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


def allowed_hosts_for(bind: str, addresses: list[str] | None = None) -> tuple[str, ...]:
    """The Host names a request may carry when the server is bound to ``bind``."""
    if not is_all_interfaces(bind):
        names = [host_header_form(bind)]
        if is_loopback(bind):
            names += [n for n in LOOPBACK_NAMES if n not in names]
        return tuple(names)
    found = interface_addresses() if addresses is None else addresses
    names = list(LOOPBACK_NAMES)
    for address in found:
        form = host_header_form(address)
        if form not in names:
            names.append(form)
    hostname = socket.gethostname()
    for name in (hostname, f"{hostname}.local"):
        if name and name not in names:
            names.append(name)
    return tuple(names)
