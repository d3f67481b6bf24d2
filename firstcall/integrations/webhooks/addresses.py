"""Where a webhook may be sent: SSRF protection checked on the addresses a host name resolves to, not its name.

Refused unless the host is on the administrator's allow-list (FIRSTCALL_WEBHOOK_ALLOWED_HOSTS): any address that
is not globally routable — loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
(169.254/16, fe80::/10, which holds the cloud metadata service at 169.254.169.254), carrier-grade NAT
(100.64/10), unspecified, reserved, documentation and multicast ranges — including IPv4 addresses mapped into
IPv6. The request then goes to the checked address itself (the host name is sent as Host and TLS SNI), so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot redirect it. Pure: no Django.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Cloud metadata services that are reachable on addresses some providers route (besides 169.254.169.254).
METADATA_ADDRESSES = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}


class BlockedDestination(ValueError):
    pass


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: str


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return False
    return ip.is_global and not ip.is_multicast


def check_destination(
    url: str, *, allowed_hosts: list[str], resolve: Callable = socket.getaddrinfo
) -> Destination:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedDestination("Webhook URLs must start with https:// (or http://).")
    if parts.username or parts.password:
        raise BlockedDestination("Webhook URLs may not carry a user name or password.")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise BlockedDestination("The webhook URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise BlockedDestination("The webhook URL's port is not a number.") from error
    try:
        answers = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise BlockedDestination(f"{host} does not resolve.") from error
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if not addresses:
        raise BlockedDestination(f"{host} does not resolve.")
    allowed = {item.lower().rstrip(".") for item in allowed_hosts}
    if host not in allowed:
        private = [address for address in addresses if not is_public(address)]
        if private:
            raise BlockedDestination(
                f"{host} resolves to {private[0]}, a loopback, private, link-local or metadata address; "
                "add the host to FIRSTCALL_WEBHOOK_ALLOWED_HOSTS if it is your own receiver."
            )
    return Destination(scheme=parts.scheme, host=host, port=port, address=addresses[0])
