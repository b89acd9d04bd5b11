"""Where a webhook may be sent: public addresses only, unless an operator allow-lists a network.

A URL is checked twice. When it is saved (``check_url``): its form, and its host when that is an
address or a metadata service's name, without asking DNS (saving must not depend on a resolver,
and a name's answer then proves nothing later). At every attempt (``resolve_target``): the name
is resolved, every address checked, and the request goes to a checked address, so a name that
resolves to ``169.254.169.254`` or a private address, at any time (DNS rebinding), is refused.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import AppError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Names that always mean a cloud metadata service, whatever they resolve to.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class WebhookTargetRefused(AppError):
    status_code = 422
    code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to ``address``, present ``host`` (Host header, TLS name)."""

    scheme: str
    host: str
    port: int
    address: IpAddress
    path: str

    @property
    def url(self) -> str:
        """The URL with the checked address in place of the name."""
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


def parse_networks(texts: Sequence[str]) -> list[IpNetwork]:
    """The allow-list from settings; a malformed entry fails start-up with its text."""
    return [ipaddress.ip_network(text, strict=False) for text in texts]


def is_public(address: IpAddress) -> bool:
    """Whether an address is a public unicast one (IPv4-mapped IPv6 judged as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_address(address: IpAddress, allowed: Sequence[IpNetwork]) -> None:
    if is_public(address) or any(address in network for network in allowed):
        return
    raise WebhookTargetRefused(
        "Webhooks may not reach loopback, private, link-local, metadata or reserved addresses.",
        {"address": str(address)},
    )


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or a clear refusal."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookTargetRefused(f"Not a URL: {error}.") from error
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise WebhookTargetRefused("A webhook URL is http:// or https:// with a host name.")
    if parts.username is not None or parts.password is not None:
        raise WebhookTargetRefused("A webhook URL carries no user name or password.")
    if parts.hostname.rstrip(".").lower() in METADATA_HOSTS:
        raise WebhookTargetRefused("Cloud metadata services are never a webhook's target.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme], path


def check_url(url: str, allowed: Sequence[IpNetwork]) -> None:
    """Refuse a malformed URL, or one whose host is an address webhooks may not reach."""
    _, host, _, _ = split_url(url)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: checked on each of its addresses when a delivery connects
    check_address(address, allowed)


async def resolve_target(url: str, allowed: Sequence[IpNetwork]) -> Target:
    """Resolve the URL's host and check every address it has; connect only to a checked one."""
    scheme, host, port, path = split_url(url)
    addresses = await _addresses_of(host, port)
    for address in addresses:  # one bad address refuses the name: a resolver may rotate them
        check_address(address, allowed)
    return Target(scheme, host, port, addresses[0], path)


async def _addresses_of(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as error:
        raise WebhookTargetRefused(f"The host {host!r} does not resolve: {error}.") from error
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
