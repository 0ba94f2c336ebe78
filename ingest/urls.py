"""Canonical URLs and record ids: one spelling per resource, so deduplication can trust equality.

`canonicalize_url` is applied to every discovered URL; `record_id` turns a canonical URL into the
16-hex-character id that names an article forever.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import idna

__all__ = [
    "DEFAULT_TRACKING",
    "InvalidURL",
    "TrackingRules",
    "canonicalize_url",
    "host_of",
    "record_id",
    "site_of",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
# Characters that may stay literal in each component (RFC 3986, section 3.3 and 3.4).
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/?")
_ABSOLUTE = re.compile(r"https?://", re.IGNORECASE)
_ASCII_HOST = re.compile(r"[a-z0-9_.-]+")
# WHATWG URL parsing drops these anywhere in the input; browsers follow such links unchanged.
_STRIPPED = re.compile(r"[\t\n\r]")


class InvalidURL(ValueError):
    """A URL that cannot be fetched: not http(s), no host, a bad port, credentials, …"""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"invalid URL {url!r}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingRules:
    """Query parameters that only tell analytics where a click came from (compared lower-cased)."""

    names: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def is_tracking(self, key: str) -> bool:
        lowered = key.lower()
        return lowered in self.names or lowered.startswith(self.prefixes)


DEFAULT_TRACKING = TrackingRules(
    names=frozenset(
        """
        fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid igshid li_fat_id
        mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok ref_src ref_url oly_anon_id oly_enc_id
        vero_id wickedid spm cmpid ncid sr_share
        """.split()
    ),
    prefixes=("utm_",),
)


def canonicalize_url(
    url: str, base: str | None = None, *, tracking: TrackingRules = DEFAULT_TRACKING
) -> str:
    """Return the one spelling of `url` (resolved against `base`) used for deduplication.

    Scheme and host lower-cased, host IDNA-encoded, default port, fragment, empty query pieces and
    tracking parameters dropped, query parameters sorted by key (stable: repeated keys keep their
    order), percent-encoding normalised (upper-case hex, unreserved characters decoded, other
    characters encoded as UTF-8), dot segments removed, empty path made `/`. Idempotent.
    Raises `InvalidURL` for anything that is not an http(s) URL with a host.
    """
    text = _STRIPPED.sub("", url).strip()
    try:
        if base is not None and not _ABSOLUTE.match(text):
            text = urljoin(_STRIPPED.sub("", base).strip(), text)
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(url, str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidURL(url, f"scheme {scheme or '(none)'!r} is not http or https")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL(url, "credentials in URLs are not accepted")
    host = _canonical_host(url, parts.hostname or "")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_FIX)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _canonical_query(parts.query, tracking)
    return f"{scheme}://{netloc}{path}{'?' + query if query else ''}"


def record_id(canonical_url: str) -> str:
    """The record id of an article: stable forever, so never change this rule.

    The first 16 lower-case hex characters of SHA-256 over the UTF-8 bytes of
    `canonicalize_url(canonical_url)` (with the default tracking rules). Canonicalising again is
    a no-op for a canonical URL, and makes the id safe for a URL that is not canonical yet.
    """
    canonical = canonicalize_url(canonical_url)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def host_of(url: str) -> str:
    """The canonical host of `url` (lower-case, IDNA, no port)."""
    host = urlsplit(canonicalize_url(url)).hostname
    assert host is not None  # canonicalize_url refuses hostless URLs
    return host


def site_of(url: str) -> str:
    """The site a URL belongs to: its host without a leading `www.`.

    Deliberately not a public-suffix lookup: `news.example.co.uk` and `example.co.uk` are
    different sites here, which is what per-site limits and same-site link following want.
    """
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host


def _canonical_host(url: str, hostname: str) -> str:
    host = hostname.lower()
    if ":" in host:  # an IPv6 literal: urlsplit removed the brackets
        return f"[{host}]"
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidURL(url, f"host is not a valid international name: {exc}") from None
    host = host.rstrip(".")  # after IDNA, which maps full-width and ideographic dots to "."
    if not host:
        raise InvalidURL(url, "no host")
    if not _ASCII_HOST.fullmatch(host):
        raise InvalidURL(url, f"host {host!r} has characters a host name cannot have")
    return host


def _canonical_query(query: str, tracking: TrackingRules) -> str:
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        key = _normalise_escapes(key, _QUERY_FIX)
        if tracking.is_tracking(_unquote_ascii(key)):
            continue
        pairs.append((key, sep + _normalise_escapes(value, _QUERY_FIX)))
    pairs.sort(key=lambda pair: pair[0])
    return "&".join(key + rest for key, rest in pairs)


def _normalise_escapes(component: str, pattern: re.Pattern[str]) -> str:
    """Decode escaped unreserved characters, upper-case other escapes, escape unsafe ones."""
    return pattern.sub(_fix_escape, component)


def _fix_escape(match: re.Match[str]) -> str:
    text = match[0]
    if len(text) == 3:  # an escape: %XX
        decoded = chr(int(text[1:], 16))
        return decoded if decoded in _UNRESERVED else text.upper()
    # A character that may not appear literally (a lone "%" included).
    return "".join(f"%{byte:02X}" for byte in text.encode("utf-8", "surrogatepass"))


def _escape_or_unsafe(safe: frozenset[str]) -> re.Pattern[str]:
    allowed = "".join(re.escape(char) for char in sorted(safe))
    return re.compile(rf"%[0-9A-Fa-f]{{2}}|[^{allowed}]")


_UPPER_ESCAPE = re.compile(r"%([0-9A-F]{2})")
_PATH_FIX = _escape_or_unsafe(_PATH_SAFE)
_QUERY_FIX = _escape_or_unsafe(_QUERY_SAFE)


def _unquote_ascii(text: str) -> str:
    if "%" not in text:
        return text
    return _UPPER_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path whose dots are already unescaped."""
    if "/." not in path:  # the path starts with "/", so every dot segment follows one
        return path
    segments = path.split("/")
    output: list[str] = []
    for segment in segments[1:] if path.startswith("/") else segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    return "/" + "/".join(output)
