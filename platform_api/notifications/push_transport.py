"""The HTTP client pushes go out on: it connects only to public addresses.

A push endpoint's host name is resolved when a push is sent and every address it has is checked,
and aiohttp connects to the checked address, so a name that resolves (at any time: DNS rebinding)
to a loopback, private, link-local or metadata address is refused. Address literals never reach
the resolver: those are checked when a browser subscribes (``push.save_subscription``). Hosts
allow-listed for tests (``WC_PUSH_HTTP_LOOPBACK_HOSTS``) pass.
"""

import ipaddress
import socket
from collections.abc import Iterable

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from platform_api.webhooks.targets import is_public


class PushTargetRefused(OSError):
    """The endpoint's name resolves to an address pushes may not reach."""


class PublicOnlyResolver(AbstractResolver):
    def __init__(self, allowed_hosts: Iterable[str]) -> None:
        self._resolver = aiohttp.ThreadedResolver()
        self._allowed = frozenset(allowed_hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver.resolve(host, port, family)
        if host in self._allowed:
            return results
        for result in results:  # one bad address refuses the name: resolvers rotate them
            if not is_public(ipaddress.ip_address(result["host"])):
                raise PushTargetRefused(
                    f"{host} resolves to {result['host']}, not a public address"
                )
        return results

    async def close(self) -> None:
        await self._resolver.close()


def open_push_session(allowed_hosts: Iterable[str]) -> aiohttp.ClientSession:
    """One per process (closed with the stores); never reads proxy settings from the environment."""
    connector = aiohttp.TCPConnector(resolver=PublicOnlyResolver(allowed_hosts))
    return aiohttp.ClientSession(connector=connector, trust_env=False)
