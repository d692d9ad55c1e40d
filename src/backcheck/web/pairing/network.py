"""Network mode's configuration: where the server listens and what link a device opens."""

from __future__ import annotations

from dataclasses import dataclass

from backcheck.web.pairing.lan import host_header_form


@dataclass(frozen=True)
class NetworkMode:
    """Serving the LAN: every request needs a paired device.

    ``link_host`` is the address printed in pairing links (the LAN address when bound to every
    interface, else the bind address); ``tls`` when the user gave a certificate.
    """

    bind: str
    port: int
    link_host: str
    tls: bool = False

    @property
    def base_url(self) -> str:
        """The app's address as another device on the network types it."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host_header_form(self.link_host)}:{self.port}"

    def pairing_link(self, code: str) -> str:
        """The link that pairs the device that opens it."""
        return f"{self.base_url}/pair/{code}"
