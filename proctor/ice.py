"""Where a proctor peer may reach and listen: the ICE servers an operator configured (none by
default) and the local addresses it gathers candidates on (loopback by default).

aiortc and aioice have no option for the local addresses. ``aioice.Connection.gather_candidates``
asks one module-level function, ``aioice.ice.get_host_addresses``, looked up at call time, and
binds a UDP socket on every address it returns: every interface address *except* 127.0.0.1, so
by default a peer listens on the LAN and never on loopback. ``gathering_on`` replaces that one
function (once per process) by one that returns the addresses named for the current context, a
``ContextVar`` set around ``setLocalDescription`` (where aiortc gathers, in the caller's task or
tasks copied from its context). Outside such a context it defers to aioice's own function, so
nothing else in the process changes. It is the narrowest hook: nothing private is touched, and
``get_host_addresses`` decides exactly the one thing we want to decide.
"""

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from ipaddress import ip_address

import aioice.ice
from aioice.mdns import is_mdns_hostname
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer

from proctor.settings import ProctorSettings

HostAddresses = Callable[[bool, bool], list[str]]

_allowed_host_addresses: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "proctor_ice_host_addresses", default=None
)
_aioice_host_addresses: HostAddresses = aioice.ice.get_host_addresses


def rtc_configuration(settings: ProctorSettings) -> RTCConfiguration:
    """The peer's configuration. ``iceServers`` is always a list: aiortc reads ``None`` as "use
    stun.l.google.com", the one default that would contact the internet. One bundled transport
    (one socket per host address) is enough for a webcam and a data channel."""
    servers = [
        RTCIceServer(urls=server.urls, username=server.username, credential=server.credential)
        for server in settings.ice_servers
    ]
    return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


@contextlib.contextmanager
def gathering_on(addresses: Sequence[str]) -> Iterator[None]:
    """Within this context, aioice gathers host candidates on exactly ``addresses`` (those of the
    IP versions it is asked for) and binds nowhere else."""
    _install_host_address_hook()
    token = _allowed_host_addresses.set(tuple(addresses))
    try:
        yield
    finally:
        _allowed_host_addresses.reset(token)


def _install_host_address_hook() -> None:
    if aioice.ice.get_host_addresses is not _host_addresses:
        aioice.ice.get_host_addresses = _host_addresses


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    allowed = _allowed_host_addresses.get()
    if allowed is None:
        return _aioice_host_addresses(use_ipv4, use_ipv6)
    wanted_versions = {4} if use_ipv4 else set()
    if use_ipv6:
        wanted_versions.add(6)
    return [address for address in allowed if ip_address(address).version in wanted_versions]


def without_mdns_candidates(sdp: str) -> str:
    """The SDP without remote candidates named ``*.local``: resolving one makes aioice bind UDP
    port 5353 on every interface and ask the LAN by multicast. Browsers give IP candidates once
    the page may use the camera, which a proctored page must, so nothing usable is lost."""
    lines = sdp.splitlines(keepends=True)
    return "".join(line for line in lines if not _is_mdns_candidate(line))


def _is_mdns_candidate(line: str) -> bool:
    if not line.startswith("a=candidate:"):
        return False
    fields = line.split()
    return len(fields) > 4 and is_mdns_hostname(fields[4])
