"""Canonical article URLs and publisher keys.

``canonical_url`` turns the many spellings of one address into one string, so
the same article reached through two feeds (or with campaign parameters) is
recognised as one. The rules, in order:

1. strip surrounding whitespace and resolve against ``base`` when given;
2. only ``http`` and ``https`` with a host are accepted (anything else raises
   :class:`InvalidURL`, a ``ValueError``);
3. scheme and host are lower-cased, non-ASCII hosts become IDNA (punycode), the
   default port (80/443) is dropped;
4. ``.`` and ``..`` path segments are removed and an empty path becomes ``/``;
5. percent-encoding is normalized: escapes of unreserved characters are
   decoded, other escapes use upper-case hex, characters that may not appear
   raw (spaces, non-ASCII, quotes...) are UTF-8 percent-encoded;
6. tracking parameters (:data:`TRACKING_PARAMS` and names starting with one of
   :data:`TRACKING_PREFIXES`, compared case-insensitively) are removed; the
   remaining parameters keep their order and spelling; an empty query is dropped;
7. the fragment is dropped.

The function is idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "InvalidURL",
    "canonical_url",
    "source_key",
]

TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # ad-click identifiers
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        # e-mail campaign tools (Mailchimp, HubSpot, Marketo, Vero, Oracle)
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
        "s_cid",
        "wickedid",
        # analytics cross-domain and referral markers
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "ito",
        "ocid",
        "spm",
        "sr_share",
    }
)
"""Query parameter names removed by :func:`canonical_url` (lower-case)."""

TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "ns_", "at_", "pk_", "mtm_", "hmb_")
"""Query parameter name prefixes removed by :func:`canonical_url` (Google/Matomo/Piwik
campaign fields, comScore ``ns_*``, AT Internet ``at_*``, HMB ``hmb_*``)."""

DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_USERINFO_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":")
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")
_IPV6_RE = re.compile(r"[0-9a-f:.]+")


class InvalidURL(ValueError):
    """The text cannot be made into an absolute http(s) URL."""


def canonical_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url`` (resolved against ``base``); see the module doc."""
    text = url.strip()
    try:
        if base:
            text = urljoin(base.strip(), text)
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"unparseable URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    host = _canonical_host(parts.hostname or "", url)
    netloc = _userinfo(parts.netloc) + host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = _remove_dot_segments(_normalize_escapes(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _clean_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def source_key(url: str) -> str:
    """Return ``scheme://host:port`` (port always explicit) of ``url``: the key of its publisher."""
    parts = urlsplit(canonical_url(url))
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port}"


def _canonical_host(hostname: str, original: str) -> str:
    host = hostname.lower()
    if not host:
        raise InvalidURL(f"URL has no host: {original!r}")
    if ":" in host:
        if not _IPV6_RE.fullmatch(host):
            raise InvalidURL(f"invalid IPv6 host in {original!r}")
        return f"[{host}]"
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidURL(f"invalid international host in {original!r}") from exc
    if not _HOST_RE.fullmatch(host):
        raise InvalidURL(f"invalid host {host!r} in {original!r}")
    return host


def _userinfo(netloc: str) -> str:
    if "@" not in netloc:
        return ""
    userinfo = netloc.rpartition("@")[0]
    return _normalize_escapes(userinfo, _USERINFO_SAFE) + "@"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on whole segments."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _normalize_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the others, escape unsafe characters."""
    out: list[str] = []
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char == "%" and i + 2 < length and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _is_tracking(name: str) -> bool:
    key = _normalize_escapes(name, _UNRESERVED).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    if not query:
        return ""
    kept = [
        _normalize_escapes(pair, _QUERY_SAFE)
        for pair in query.split("&")
        if pair and not _is_tracking(pair.partition("=")[0])
    ]
    return "&".join(kept)
