"""Where Jaga may send a request on an organisation's behalf (its webhook), and to which address.

A webhook URL is chosen by whoever holds an admin key, so unchecked it lets that person make the
server call its own loopback services, the cloud's metadata endpoint (169.254.169.254) or anything
else on the private network behind it. So a URL must use `https` (plain `http` only to hosts the
operator lists), carry no credentials, and every address its host resolves to must be public:
not loopback, link-local, private, shared, reserved, multicast or unspecified, in any spelling
(`2130706433`, `0x7f.1`, `::ffff:127.0.0.1`). Operators list their own receivers in
`JAGA_WEBHOOK_ALLOW_HOSTS` (see `jaga.config`).

The check runs when the URL is registered and again before every delivery; a delivery connects to
the address that check resolved (`Target.address`), so a name that resolves differently a moment
later (DNS rebinding) cannot send the request anywhere that was not checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from jaga import config

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., Sequence[tuple[Any, ...]]]
"""`socket.getaddrinfo`'s signature: called as `resolver(host, port, type=socket.SOCK_STREAM)`."""

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeUrl(ValueError):
    """A URL Jaga will not send requests to; the message says why."""


def default_resolver(host: str, port: int, *args: Any, **kwargs: Any) -> Sequence[tuple[Any, ...]]:
    """The system's resolver. (Looked up when a check runs, so a test suite can make sure no test
    resolves a public name.)"""
    return socket.getaddrinfo(host, port, *args, **kwargs)


@dataclass(frozen=True)
class AllowList:
    """Host names (matched exactly, case-insensitively) and networks (matched by address)."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Sequence[str]) -> AllowList:
        names, networks = set(), []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip().strip("[]"), strict=False))
            except ValueError:
                names.add(_normal_name(entry))
        return cls(frozenset(names), tuple(networks))

    def has_name(self, host: str) -> bool:
        return host in self.names

    def has_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to for it."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress
    host_is_address: bool


@dataclass(frozen=True)
class OutboundPolicy:
    allow: AllowList = field(default_factory=AllowList)
    allow_http: AllowList = field(default_factory=AllowList)
    resolver: Resolver | None = None

    @classmethod
    def from_environment(cls, resolver: Resolver | None = None) -> OutboundPolicy:
        """The operator's allow-lists from `JAGA_WEBHOOK_ALLOW_HOSTS` and `JAGA_WEBHOOK_ALLOW_HTTP_HOSTS`."""
        return cls(AllowList.parse(config.webhook_allow_hosts()), AllowList.parse(config.webhook_allow_http_hosts()),
                   resolver)

    def check(self, url: str) -> Target:
        """The target to connect to for `url`, or `UnsafeUrl` with the reason it is refused."""
        try:
            parsed = httpx.URL(url)
            port = parsed.port
        except (httpx.InvalidURL, ValueError, TypeError) as problem:
            raise UnsafeUrl(f"not a valid URL: {problem}") from None
        if parsed.scheme not in ("https", "http"):
            raise UnsafeUrl("webhook URLs must use https")
        if parsed.userinfo:
            raise UnsafeUrl("webhook URLs must not carry credentials (user:password@); the signature authenticates Jaga")
        host = _normal_name(parsed.raw_host.decode("ascii"))
        if not host or "%" in host:
            raise UnsafeUrl("the URL has no usable host")
        port = port or (443 if parsed.scheme == "https" else 80)
        literal = _address_literal(host)
        if parsed.scheme == "http" and not self.allow_http.has_name(host) and not (
                self.allow_http.networks and (literal is None or self.allow_http.has_address(literal))):
            raise UnsafeUrl(f"webhook URLs must use https (plain http only to hosts the operator allows: {host} is not one)")
        addresses = [literal] if literal is not None else self._resolve(host, port)
        if parsed.scheme == "http" and not self.allow_http.has_name(host):
            outside = [address for address in addresses if not self.allow_http.has_address(address)]
            if outside:
                raise UnsafeUrl(f"webhook URLs must use https (plain http only to hosts the operator allows: "
                                f"{outside[0]} is not one)")
        for address in addresses:
            if self.allow.has_name(host) or self.allow.has_address(address):
                continue
            kind = why_not_public(address)
            if kind:
                shown = host if literal is not None and str(literal) == host else f"{host} ({address})"
                raise UnsafeUrl(f"{shown} is {kind}: webhooks go to public addresses only, "
                                "unless the operator allows the host (JAGA_WEBHOOK_ALLOW_HOSTS)")
        return Target(url, parsed.scheme, host, port, addresses[0], literal is not None)

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        resolver = self.resolver or default_resolver
        try:
            answers = resolver(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError) as problem:
            raise UnsafeUrl(f"{host} does not resolve ({problem})") from None
        addresses: list[IPAddress] = []
        for answer in answers:
            address = ipaddress.ip_address(str(answer[4][0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise UnsafeUrl(f"{host} does not resolve")
        return addresses


def why_not_public(address: IPAddress) -> str | None:
    """None for a globally routable unicast address, else what it is instead."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None)
        if address.teredo:
            return "a Teredo tunnel address"
        if embedded is not None:
            problem = why_not_public(embedded)
            return f"{problem} (inside an IPv6 address)" if problem else None
    for problem, applies in (("unspecified", address.is_unspecified), ("a loopback address", address.is_loopback),
                             ("a link-local address", address.is_link_local), ("a multicast address", address.is_multicast),
                             ("a reserved address", address.is_reserved), ("a private address", address.is_private),
                             ("not a public address", not address.is_global)):
        if applies:
            return problem
    return None


def _normal_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _address_literal(host: str) -> IPAddress | None:
    """The address a host spells directly, in any form a resolver would also read as one: dotted,
    integer (`2130706433`), octal or hex parts (`0177.1`, `0x7f.1`), IPv6 with an embedded IPv4."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host.replace(".", "").isalnum() and all(part for part in host.split(".")):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None
