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
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
# IANA special-purpose ranges that are not globally reachable, spelled out so the
# decision does not depend on which Python patch release updated `is_global`.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)
# Checked only inside 2000::/3; everything outside it (loopback, ULA, link-local,
# multicast, IPv4-compatible...) is refused unless it embeds a public IPv4 address.
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments (Teredo is handled before this)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "3ffe::/16",  # old 6bone
    )
)

BLOCKED_MESSAGE = (
    "This address is not allowed or does not exist: doc-reader only reads public web addresses; check the URL."
)


class BlockedAddressError(FetchError):
    """The target is refused or does not resolve. One message for both, naming no address.

    Telling "resolves to a private address" apart from "does not resolve" would
    let a caller map internal DNS names, so the two are deliberately the same.
    """

    def __init__(self) -> None:
        super().__init__(BLOCKED_MESSAGE)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, NAT64, 6to4, Teredo client), if any."""
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
    """True only for globally routable unicast addresses.

    IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are
    judged by that address (for Teredo, both the server and the client part).
    """
    if isinstance(ip, ipaddress.IPv4Address):
        return not any(ip in net for net in _BLOCKED_V4) and ip.is_global
    if ip.teredo is not None:
        server, client = ip.teredo
        return is_public(server) and is_public(client)
    inner = embedded_ipv4(ip)
    if inner is not None:
        return is_public(inner)
    return ip in _GLOBAL_UNICAST_V6 and not any(ip in net for net in _BLOCKED_V6) and ip.is_global


def parse_ip(host: str) -> IPAddress | None:
    """Parse an IP literal in any spelling a resolver would accept, or return None for a name.

    Handles brackets, IPv6 zone ids and the legacy IPv4 forms `inet_aton` accepts
    (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`), so that no odd spelling
    slips past the check as a "name".
    """
    host = host.strip().removeprefix("[").removesuffix("]").rstrip(".")
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
    """Lower-case, strip brackets and a trailing dot, and IDNA-encode a host name (so `１２７.０.０.１` is an IP)."""
    host = host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
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
        """Build an allow list from entries such as `wiki.internal`, `127.0.0.1:8080`, `10.0.0.0/8`, `[::1]:80`.

        Raises ValueError naming the entry when one cannot be understood (checked at start-up).
        """
        hosts: set[str] = set()
        host_ports: set[tuple[str, int]] = set()
        networks = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                if "/" in entry:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                    continue
                host, port = _split_host_port(entry)
            except ValueError:
                raise ValueError(f"DOC_READER_ALLOW_HOSTS entry {entry!r} is not a host, host:port or CIDR") from None
            ip = parse_ip(host) or parse_ip(normalise_host(host))
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
        if not host or not 0 < int(port) < 65536:
            raise ValueError(entry)
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
        """Every address for `host`, each checked; raise BlockedAddressError if any is not allowed.

        A name that does not resolve raises the same error as a refused address (see BlockedAddressError).
        """
        name = normalise_host(host)
        literal = parse_ip(host) or parse_ip(name)
        if literal is not None:
            candidates = [literal]
        else:
            try:
                answers = await self.resolver(name, port)
            except (OSError, UnicodeError, ValueError) as exc:
                log.warning("fetch: cannot resolve %r: %s", host, exc)
                raise BlockedAddressError() from None
            candidates = [ip for ip in (parse_ip(answer) for answer in answers) if ip is not None]
            if not candidates:
                log.warning("fetch: %r resolved to no usable address: %r", host, answers)
                raise BlockedAddressError()
        for ip in candidates:
            if is_public(ip) or self.allow.allows(host, port, ip):
                continue
            if not self.allow_private:
                log.warning("fetch: blocked %r port %d -> %s", host, port, ip)
                raise BlockedAddressError()
            log.warning("fetch: address guard OFF (DOC_READER_ALLOW_PRIVATE=true): %r port %d -> %s", host, port, ip)
        return candidates
