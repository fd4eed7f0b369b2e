"""Which network addresses an outgoing fetch of an untrusted URL may reach.

Only public unicast addresses, unless an operator allow-lists a network (on-premises issuers).
Names are resolved here, with a deadline, and every resolved address is vetted: a name that
resolves to even one refused address is refused, so DNS cannot mix a public and a private
answer to slip through.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from microcred.errors import AddressRefused, FetchTimedOut

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: (network, what it is): refused unless allow-listed; checked before the catch-all below
_REFUSED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(net), what)
    for net, what in (
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/96", "an IPv4-compatible (deprecated) address"),
        ("64:ff9b:1::/48", "a local NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001::/32", "a Teredo address"),
        ("2001:10::/28", "an ORCHID address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique-local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    )
)
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: name lookups run here so that a slow resolver is cut at the fetch's deadline
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="microcred-dns")


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``["10.1.0.0/16", "127.0.0.1"]`` as networks; `ValueError` on a malformed one."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched from (ignoring any allow-list), or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a scoped (link-local) address"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = refusal(embedded)
            return f"{inner} embedded in IPv6" if inner else None
    for network, what in _REFUSED:
        if ip.version == network.version and ip in network:
            return what
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved (non-public) address"
    return None


class AddressPolicy:
    """Resolves host names and refuses every address that is not public unicast, except in
    the explicitly allowed networks."""

    def __init__(self, allow: Iterable[str | IPNetwork] = ()) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(
            a if not isinstance(a, str) else ipaddress.ip_network(a.strip(), strict=False)
            for a in allow
        )

    def _allowed(self, ip: IPAddress) -> bool:
        if isinstance(ip, ipaddress.IPv6Address) and ip in _MAPPED and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip.version == n.version and ip in n for n in self.allowed)

    def check(self, ip: IPAddress, host: str) -> None:
        """Raise `AddressRefused` unless ``ip`` (which ``host`` resolved to) may be reached."""
        if self._allowed(ip):
            return
        reason = refusal(ip)
        if reason is not None:
            named = f"{ip} is" if host.strip("[]") == str(ip) else f"{host} resolves to {ip},"
            raise AddressRefused(
                f"{named} {reason}; microcred does not fetch from it.",
                hint="An operator can allow a network with MICROCRED_FETCH_ALLOW_NETWORKS.",
            )

    def resolve(self, host: str, port: int, deadline: float) -> list[str]:
        """The vetted addresses of ``host`` (an IP literal or a name), in resolver order."""
        literal = host.strip("[]")
        try:
            ips: list[IPAddress] = [ipaddress.ip_address(literal)]
        except ValueError:
            ips = self._lookup(host, port, deadline)
        for ip in ips:
            self.check(ip, host)
        return [str(ip) for ip in ips]

    @staticmethod
    def _lookup(host: str, port: int, deadline: float) -> list[IPAddress]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimedOut(f"No time was left to look up {host}.")
        future = _RESOLVER.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=remaining)
        except FutureTimeout:
            future.cancel()
            raise FetchTimedOut(f"Looking up {host} took too long.") from None
        except (OSError, UnicodeError) as exc:
            raise AddressRefused(f"{host} could not be resolved: {exc}.") from None
        found: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if ip not in found:
                found.append(ip)
        if not found:
            raise AddressRefused(f"{host} resolves to no address.")
        return found
