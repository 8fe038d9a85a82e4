"""Which network addresses the fetcher may reach.

The guard works on resolved IP addresses, never on host strings: a host is
resolved once, every address it resolves to is checked, and the connection is
made to one of those checked addresses (see `backend.py`). Only globally
routable unicast addresses pass, unless the operator names a trusted private
target in `DOC_READER_ALLOW_HOSTS` or turns the guard off.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import anyio

from doc_reader.errors import FetchError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")

BLOCKED_MESSAGE = "This address is not allowed: doc-reader only reads public web addresses."


class BlockedAddressError(FetchError):
    """The target resolved to an address the guard refuses. The message never names the address."""

    def __init__(self) -> None:
        super().__init__(BLOCKED_MESSAGE)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, NAT64, 6to4, Teredo), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses (and IPv6 forms whose embedded IPv4 is one)."""
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local or ip.is_reserved:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or ip.is_site_local:
            return False
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public(inner)
    elif ip in _CGNAT:
        return False
    return ip.is_global


def parse_ip(host: str) -> IPAddress | None:
    """Parse an IP literal in any spelling a resolver would accept, or return None for a name.

    Handles brackets, IPv6 zone ids and the legacy IPv4 forms `inet_aton` accepts
    (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`), so that no odd spelling
    slips past the check as a "name".
    """
    host = host.strip().strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if host and all(part for part in host.split(".")) and all(c in "0123456789abcdefABCDEFxX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def normalise_host(host: str) -> str:
    """Lower-case, strip brackets and a trailing dot, and IDNA-encode a host name."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@dataclass(frozen=True)
class AllowList:
    """Trusted private targets from `DOC_READER_ALLOW_HOSTS`: host names, host:port pairs and CIDR blocks."""

    hosts: frozenset[str] = frozenset()
    host_ports: frozenset[tuple[str, int]] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Build an allow list from entries such as `wiki.internal`, `127.0.0.1:8080`, `10.0.0.0/8`, `[::1]:80`."""
        hosts: set[str] = set()
        host_ports: set[tuple[str, int]] = set()
        networks = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            if "/" in entry:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            host, port = _split_host_port(entry)
            ip = parse_ip(host)
            name = str(ip) if ip is not None else normalise_host(host)
            if port is None:
                hosts.add(name)
            else:
                host_ports.add((name, port))
        return cls(frozenset(hosts), frozenset(host_ports), tuple(networks))

    def allows(self, host: str, port: int, ip: IPAddress) -> bool:
        """True if the request for `host:port`, resolved to `ip`, targets an allowed entry."""
        names = {normalise_host(host), str(ip)}
        if names & self.hosts or any((name, port) in self.host_ports for name in names):
            return True
        return any(ip.version == net.version and ip in net for net in self.networks)


def _split_host_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, None


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` with the operating system's resolver, returning every address."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class AddressGuard:
    """Resolves a host once and returns only addresses the policy allows (all or nothing)."""

    allow: AllowList = AllowList()
    allow_private: bool = False
    resolver: Resolver = system_resolver

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address for `host`, each checked; raise BlockedAddressError if any is not allowed."""
        literal = parse_ip(host)
        if literal is not None:
            candidates = [literal]
        else:
            try:
                answers = await self.resolver(normalise_host(host), port)
            except OSError as exc:
                log.info("fetch: cannot resolve %r: %s", host, exc)
                raise FetchError("The host name could not be resolved; check the URL.") from None
            candidates = [ip for ip in (parse_ip(answer) for answer in answers) if ip is not None]
            if not candidates:
                raise FetchError("The host name could not be resolved; check the URL.")
        for ip in candidates:
            if not (self.allow_private or is_public(ip) or self.allow.allows(host, port, ip)):
                log.warning("fetch: blocked %r port %d -> %s", host, port, ip)
                raise BlockedAddressError()
        return candidates
