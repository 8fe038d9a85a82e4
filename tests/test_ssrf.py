"""The fetch guard: no spelling, range, redirect or DNS trick reaches a private address.

Network rule for these tests: only loopback ever receives traffic. Every
connection the fetcher opens goes through `RecordingBackend`, which records the
address and refuses anything that is not loopback, so even a broken guard
cannot send a packet elsewhere; "public" answers are tested at the guard's
decision, never connected to.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import anyio
import httpcore
import pytest
from httpcore._backends.auto import AutoBackend
from mcp import Client

from doc_reader.errors import FetchError
from doc_reader.fetch import client as fetch_client
from doc_reader.fetch.client import fetch
from doc_reader.fetch.guard import BLOCKED_MESSAGE, AddressGuard, AllowList, is_public, parse_ip
from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings
from tests.fixture_server import BLOBS, serving

pytestmark = pytest.mark.anyio

INVALID_URL = "The URL is not valid; give a full http:// or https:// address."
PAGE = b"<h1>An allowed page</h1>"
BLOBS["page"] = (PAGE, "text/html")


def _loopback(host: str) -> bool:
    ip = ipaddress.ip_address(host)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


class RecordingBackend(AutoBackend):
    """Stands in for the real network backend: records each address and connects to loopback only."""

    attempts: ClassVar[list[tuple[str, int]]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        RecordingBackend.attempts.append((host, port))
        if not _loopback(host):
            raise httpcore.ConnectError("test backend: refusing a non-loopback connection")
        return await super().connect_tcp(host, port, *args, **kwargs)


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the fetcher tried to connect to during the test."""
    monkeypatch.setattr("doc_reader.fetch.backend.AutoBackend", RecordingBackend)
    RecordingBackend.attempts = []
    return RecordingBackend.attempts


class Resolver:
    """An injected DNS: a fixed table of answers, and a log of every lookup."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


class Listener:
    """A loopback HTTP listener that only counts requests: a target that must never be reached."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        hits: Counter[str] = Counter()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits[self.path] += 1
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secret")

            def log_message(self, *args: object) -> None:
                return

        self.hits = hits
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.port = self.httpd.server_address[1]

    @property
    def total(self) -> int:
        return sum(self.hits.values())


@pytest.fixture
def target() -> Iterator[Listener]:
    listener = Listener()
    with serving(listener.httpd):
        yield listener


# --- The decision, address by address (no I/O) ---

NOT_PUBLIC = [
    # IPv4
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "100.64.0.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "169.254.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.1",
    "192.0.0.9",
    "192.0.2.10",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6
    "::",
    "::1",
    "fe80::1",
    "febf::1",
    "fec0::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "2001:2::1",
    "2001:10::1",
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::ffff:0:7f00:1",  # SIIT-translated 127.0.0.1
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::a00:1",
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    "2001:0:a00:1:8000:63bf:3fff:fdd2",  # Teredo, server 10.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45 (documentation)
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.128.0.1",
    "172.32.0.1",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:800::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo, server 65.54.227.120, client 8.8.8.8
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_global_addresses_are_not_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", PUBLIC)
def test_global_unicast_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0000.0000.0001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x0", "0.0.0.0"),
        ("3232235777", "192.168.1.1"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("[::1]", "::1"),
        ("[0:0:0:0:0:0:0:1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("[fe80::1%eth0]", "fe80::1"),
        ("fe80::1%25eth0", "fe80::1"),
    ],
)
def test_odd_ip_spellings_are_parsed_as_the_address_they_reach(spelling: str, address: str) -> None:
    assert parse_ip(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize("name", ["example.com", "cafe", "deadbeef.example", "1.2.3.4.5", "0x7g.1", "127.0.0.1.x"])
def test_host_names_are_not_mistaken_for_addresses(name: str) -> None:
    assert parse_ip(name) is None


async def test_guard_passes_public_answers_and_refuses_a_mixed_answer() -> None:
    resolver = Resolver({"public.test": ["93.184.216.34", "2606:4700::1"], "mixed.test": ["93.184.216.34", "10.0.0.5"]})
    guard = AddressGuard(resolver=resolver)
    assert await guard.resolve("public.test", 443) == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:4700::1"),
    ]
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await guard.resolve("mixed.test", 443)


# --- Whole fetches: every spelling and range, none reaches its target ---

LOOPBACK_HOSTS = [
    "127.0.0.1",
    "127.0.0.1.",
    "127.1",
    "127.0.1",
    "127.127.127.127",
    "2130706433",
    "0x7f000001",
    "0x7f.0x0.0x0.0x1",
    "0177.0.0.1",
    "0177.1",
    "017700000001",
    "0",
    "0.0.0.0",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::127.0.0.1]",
    "[64:ff9b::127.0.0.1]",
    "[2002:7f00:1::1]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    "１２７.０.０.１",  # full-width digits: IDNA maps them to 127.0.0.1
    "127。0。0。1",  # ideographic full stops
    "%31%32%37.0.0.1",
]
PRIVATE_HOSTS = [
    "10.0.0.1",
    "172.16.0.1",
    "192.168.0.1",
    "169.254.169.254",
    "0xa9fea9fe",
    "2852039166",
    "100.64.0.1",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.1",
    "198.18.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "[fe80::1]",
    "[fe80::1%25eth0]",
    "[fc00::1]",
    "[fd00:ec2::254]",
    "[fec0::1]",
    "[ff02::1]",
    "[2001:db8::1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b::10.0.0.1]",
    "[2002:a9fe:a9fe::]",
    "[2002:c0a8:1::1]",
    "[::a9fe:a9fe]",
    "[100::1]",
]
# Names, resolved by the injected DNS (the system resolver is never asked).
DNS = {
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
    "intranet.corp.test": ["10.1.2.3"],
    "db.ula.test": ["fd12:3456::10"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "nat64.test": ["64:ff9b::7f00:1"],
    "public-and-private.test": ["93.184.216.34", "127.0.0.1"],
    "spelled.test": ["0x7f000001"],
}
NAMED_HOSTS = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "ｌｏｃａｌｈｏｓｔ",  # full-width letters, normalised by IDNA
    "metadata.google.internal",
    "intranet.corp.test",
    "db.ula.test",
    "mapped.test",
    "nat64.test",
    "public-and-private.test",
    "spelled.test",
    "does-not-exist.test",
]


@pytest.mark.parametrize("host", LOOPBACK_HOSTS + PRIVATE_HOSTS + NAMED_HOSTS)
async def test_ssrf_matrix_nothing_reaches_its_target(host: str, target: Listener, connections) -> None:
    resolver = Resolver(DNS)
    with pytest.raises(FetchError) as refused:
        await fetch(f"http://{host}:{target.port}/secret", Settings(), resolver=resolver)
    assert str(refused.value) in (BLOCKED_MESSAGE, INVALID_URL)
    assert connections == []
    assert target.total == 0


@pytest.mark.parametrize("host", [*LOOPBACK_HOSTS[:8], "localhost"])
async def test_loopback_spellings_are_refused_on_the_default_port_too(host: str, connections) -> None:
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await fetch(f"http://{host}/", Settings(), resolver=Resolver(DNS))
    assert connections == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://127.0.0.1/",
        "gopher://127.0.0.1:70/_GET",
        "dict://127.0.0.1:11211/stats",
        "ldap://127.0.0.1/",
        "data:text/html,<h1>hi</h1>",
        "javascript:alert(1)",
        "//127.0.0.1/",
        "127.0.0.1/",
        "http://",
        "http:///etc/passwd",
        "http://user:pass@example.test/",
        "http://example.test@127.0.0.1/",
        "http://[::1/",
        "http://exa mple.test/",
        "http://" + "a" * 9000 + ".test/",
    ],
)
async def test_other_schemes_and_malformed_urls_are_refused_before_any_io(url: str, connections) -> None:
    resolver = Resolver(DNS)
    with pytest.raises(FetchError):
        await fetch(url, Settings(allow_private=True), resolver=resolver)
    assert resolver.lookups == [] and connections == []


# --- Redirects ---


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{other}/secret",
        "http://localhost:{other}/secret",
        "http://2130706433:{other}/secret",
        "http://[::1]:{other}/secret",
        "http://[::ffff:127.0.0.1]:{other}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
    ],
)
async def test_redirect_from_an_allowed_host_to_a_disallowed_one_is_refused(
    location: str, site, target: Listener, connections
) -> None:
    settings = Settings(allow_hosts=[f"127.0.0.1:{site.port}"])
    before = site.hits("redirect")
    url = site.url(f"redirect?to={location.format(other=target.port)}")
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await fetch(url, settings, resolver=Resolver(DNS))
    assert site.hits("redirect") == before + 1, "the allowed first hop was fetched"
    assert target.total == 0
    assert set(connections) == {("127.0.0.1", site.port)}


async def test_redirect_to_another_scheme_is_refused(site, connections) -> None:
    settings = Settings(allow_hosts=["127.0.0.1"])
    with pytest.raises(FetchError, match="Only http:// and https://"):
        await fetch(site.url("redirect?to=file:///etc/passwd"), settings)


def test_https_to_http_redirect_is_refused() -> None:
    with pytest.raises(FetchError, match="from https to plain http"):
        fetch_client._next_hop("https://example.test/a", "http://example.test/b")
    with pytest.raises(FetchError, match="from https to plain http"):
        fetch_client._next_hop("https://example.test/a", "HTTP://example.test/b")
    assert fetch_client._next_hop("http://example.test/a", "https://example.test/b") == "https://example.test/b"
    assert fetch_client._next_hop("https://example.test/a/b", "../c") == "https://example.test/c"


async def test_redirects_are_followed_up_to_the_limit_and_no_further(site) -> None:
    settings = Settings(allow_hosts=["127.0.0.1"])
    fetched = await fetch(site.url("chain?n=5"), settings)
    assert b"End of the chain" in fetched.data
    assert fetched.final_url == site.url("chain?n=0")
    before = site.hits("chain")
    with pytest.raises(FetchError, match="redirected more than 5 times"):
        await fetch(site.url("chain?n=6"), settings)
    assert site.hits("chain") - before == 6


# --- DNS: resolved once, pinned, all answers checked ---


@pytest.fixture
def rebind_target(site) -> Iterator[Listener]:
    """A listener on 127.0.0.2 at the fixture site's port: the address a rebinding attack swaps in."""
    try:
        listener = Listener("127.0.0.2", site.port)
    except OSError:
        pytest.skip("127.0.0.2 is not bindable here")
    with serving(listener.httpd):
        yield listener


async def test_dns_rebinding_cannot_swap_the_checked_address(site, rebind_target: Listener, connections) -> None:
    """First answer allowed, every later one not: the connection goes to the first, checked answer."""
    lookups: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"] if len(lookups) == 1 else ["127.0.0.2"]

    settings = Settings(allow_hosts=["127.0.0.1/32"])
    fetched = await fetch(f"http://rebind.test:{site.port}/blob?name=page", settings, resolver=rebinding)
    assert fetched.data == PAGE
    assert lookups == ["rebind.test"], "resolved exactly once"
    assert connections == [("127.0.0.1", site.port)]
    assert rebind_target.total == 0


async def test_dns_rebinding_the_other_way_round_is_refused(site, rebind_target: Listener, connections) -> None:
    answers = iter([["127.0.0.2"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    settings = Settings(allow_hosts=["127.0.0.1/32"])
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await fetch(f"http://rebind.test:{site.port}/blob?name=page", settings, resolver=rebinding)
    assert connections == [] and rebind_target.total == 0


async def test_the_tool_uses_the_injected_resolver_and_hides_details(site, caplog, connections) -> None:
    settings = Settings(cache_ttl=0)
    server = build_server(settings, Reader(settings, resolver=Resolver(DNS)))
    caplog.set_level(logging.INFO)
    async with Client(server) as client:
        refused = await client.call_tool(
            "read_document", {"url": "http://metadata.google.internal/computeMetadata/v1/"}
        )
        fine = await client.call_tool("read_document", {"content_base64": "aGVsbG8="})
    assert refused.is_error
    assert refused.content[0].text.endswith(BLOCKED_MESSAGE)
    assert "169.254" not in refused.content[0].text and "metadata" not in refused.content[0].text
    assert "169.254.169.254" in caplog.text, "the details go to the server log"
    assert connections == []
    assert not fine.is_error


# --- Opaque errors: not a port scanner, not a DNS oracle ---


async def test_private_targets_fail_identically_and_fast_whatever_is_behind_them(site, connections) -> None:
    """Open port, closed port, no such name, private name, empty or garbage answer, slow DNS: one message."""

    async def slow(host: str, port: int) -> list[str]:
        await anyio.sleep(30)
        return ["93.184.216.34"]

    async def garbage(host: str, port: int) -> list[str]:
        return ["not an address"]

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    cases: list[tuple[str, Any]] = [
        (f"http://127.0.0.1:{site.port}/", Resolver()),  # something listening
        (f"http://127.0.0.1:{closed_port}/", Resolver()),  # nothing listening
        ("http://10.9.8.7:22/", Resolver()),
        ("http://intranet.corp.test/", Resolver(DNS)),  # internal name that exists
        ("http://nosuch.corp.test/", Resolver(DNS)),  # internal name that does not
        ("http://empty.test/", Resolver({"empty.test": []})),
        ("http://garbage.test/", garbage),
        ("http://slow.test/", slow),
    ]
    settings = Settings(connect_timeout=0.3)
    for url, resolver in cases:
        started = time.monotonic()
        with pytest.raises(FetchError) as refused:
            await fetch(url, settings, resolver=resolver)
        assert str(refused.value) == BLOCKED_MESSAGE, url
        assert time.monotonic() - started < 1.5, url
    assert connections == []


# --- The operator's switches ---


async def test_allow_hosts_host_port_allows_that_port_only(site, target: Listener, connections) -> None:
    settings = Settings(allow_hosts=[f"127.0.0.1:{site.port}"])
    assert (await fetch(site.url("blob?name=page"), settings)).data == PAGE
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await fetch(f"http://127.0.0.1:{target.port}/secret", settings)
    assert target.total == 0


async def test_allow_hosts_by_name_and_by_cidr(site, target: Listener) -> None:
    by_name = Settings(allow_hosts=["wiki.internal.test"])
    resolver = Resolver({"wiki.internal.test": ["127.0.0.1"], "other.internal.test": ["127.0.0.1"]})
    assert (await fetch(f"http://WIKI.internal.test.:{target.port}/a", by_name, resolver=resolver)).data == b"secret"
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await fetch(f"http://other.internal.test:{target.port}/b", by_name, resolver=resolver)
    by_cidr = Settings(allow_hosts=["127.0.0.0/30"])
    assert (await fetch(f"http://127.0.0.1:{target.port}/c", by_cidr)).data == b"secret"
    with pytest.raises(FetchError, match=BLOCKED_MESSAGE):
        await fetch(f"http://10.0.0.1:{target.port}/d", by_cidr)
    assert target.hits == Counter({"/a": 1, "/c": 1})


async def test_allow_private_turns_the_guard_off_loudly(target: Listener, caplog) -> None:
    caplog.set_level(logging.WARNING)
    settings = Settings(allow_private=True)
    Reader(settings)
    assert (await fetch(f"http://127.0.0.1:{target.port}/x", settings)).data == b"secret"
    assert "DOC_READER_ALLOW_PRIVATE" in caplog.text
    assert sum("guard" in record.getMessage() and "OFF" in record.getMessage() for record in caplog.records) >= 2


def test_bad_allow_hosts_entries_fail_at_start_up() -> None:
    for entry in ("10.0.0.0/33", "host:notaport", "host:70000", ":80", "[::1]:x"):
        with pytest.raises(ValueError, match="DOC_READER_ALLOW_HOSTS"):
            AllowList.parse([entry])
    with pytest.raises(ValueError, match="DOC_READER_ALLOW_HOSTS"):
        Settings(allow_hosts=["10.0.0.0/33"])
    parsed = AllowList.parse(["Wiki.Internal.", "127.0.0.1:8080", "[::1]:81", "0x7f000001", "10.0.0.0/8", " "])
    assert parsed.hosts == frozenset({"wiki.internal", "127.0.0.1"})
    assert parsed.host_ports == frozenset({("127.0.0.1", 8080), ("::1", 81)})
