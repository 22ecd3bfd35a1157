"""URLs parsed and written back the way the WHATWG URL standard does (what JavaScript's ``URL``
does), for the cases agents meet: http(s) and ws(s) with user info, host, port, path, query and
fragment. The TypeScript SDK's events and Cedar requests hold ``new URL(x).href``; this module makes
the Python SDK hold the same text for the same input, so a policy decides a call the same way in
both languages.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
# What a Cedar request's port is when the URL has none (as the TypeScript builder fills it in).
REQUEST_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SPECIAL = {"http", "https", "ws", "wss", "ftp", "file"}

_C0 = {chr(i) for i in range(0x20)} | {"\x7f"}
_FRAGMENT = _C0 | set(' "<>`')
_QUERY = _C0 | set(' "#<>')
_SPECIAL_QUERY = _QUERY | {"'"}
_PATH = _QUERY | set("?`{}^")  # WHATWG path set (the "^" since 2023)
_USERINFO = _PATH | set("/:;=@[\\]|")

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


class InvalidURL(ValueError):
    """The text is not an absolute URL."""


def _encode(text: str, unsafe: set[str]) -> str:
    if text.isascii() and not any(c in unsafe for c in text):
        return text
    out = []
    for ch in text:
        if ch in unsafe or ord(ch) > 0x7E:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class URL:
    scheme: str  # without ":"
    username: str
    password: str
    hostname: str  # lower case; IPv6 without brackets
    port: int | None  # None when absent or the scheme's default
    pathname: str
    search: str  # "" or "?..."
    hash: str  # "" or "#..."

    @property
    def host(self) -> str:
        h = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return h if self.port is None else f"{h}:{self.port}"

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else REQUEST_PORTS.get(self.scheme, 0)

    @property
    def href(self) -> str:
        auth = ""
        if self.username or self.password:
            auth = self.username + (f":{self.password}" if self.password else "") + "@"
        return f"{self.scheme}://{auth}{self.host}{self.pathname}{self.search}{self.hash}"

    def replace(self, **changes: object) -> "URL":
        values = {**self.__dict__, **changes}
        return URL(**values)  # type: ignore[arg-type]


def _host(raw: str) -> str:
    if raw.startswith("["):
        if not raw.endswith("]"):
            raise InvalidURL(f"bad IPv6 host {raw!r}")
        try:
            return ipaddress.IPv6Address(raw[1:-1]).compressed
        except ValueError as e:
            raise InvalidURL(str(e)) from None
    from urllib.parse import unquote

    host = unquote(raw)
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise InvalidURL(f"bad host {raw!r}") from e
    host = host.lower()
    if host == "" or any(c in host for c in " #%/:<>?@[\\]^|"):
        raise InvalidURL(f"bad host {raw!r}")
    return host


def _path(raw: str, special: bool) -> str:
    if special:
        raw = raw.replace("\\", "/")
    segments = raw.split("/")[1:] if raw.startswith("/") else raw.split("/")
    out: list[str] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        s = seg.lower()
        if s in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
        elif s in (".", "%2e"):
            if last:
                out.append("")
        else:
            out.append(_encode(seg, _PATH))
    return "/" + "/".join(out)


def parse_url(text: str) -> URL:
    """Parses an absolute URL. :raises InvalidURL: when ``text`` is not one."""
    if not isinstance(text, str):
        raise InvalidURL("a URL must be a string")
    text = text.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    m = _SCHEME_RE.match(text)
    if not m:
        raise InvalidURL(f"not an absolute URL: {text[:100]!r}")
    scheme = m.group(1).lower()
    rest = text[m.end() :]
    special = scheme in _SPECIAL
    if special:
        rest = rest.replace("\\", "/") if rest[:2] in ("\\\\", "\\/", "/\\") else rest
        rest = rest.lstrip("/\\") if rest.startswith(("/", "\\")) else rest
    elif rest.startswith("//"):
        rest = rest[2:]
    else:
        raise InvalidURL(f"URLs without an authority are not supported: {text[:100]!r}")
    fragment = ""
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
        fragment = "#" + _encode(fragment, _FRAGMENT)
    query = ""
    end_auth = len(rest)
    for i, ch in enumerate(rest):
        if ch in "/?" or (special and ch == "\\"):
            end_auth = i
            break
    authority, tail = rest[:end_auth], rest[end_auth:]
    if "?" in tail:
        tail, query = tail.split("?", 1)
        query = "?" + _encode(query, _SPECIAL_QUERY if special else _QUERY)
    username = password = ""
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
        if ":" in userinfo:
            username, password = userinfo.split(":", 1)
        else:
            username = userinfo
        username, password = _encode(username, _USERINFO), _encode(password, _USERINFO)
    port: int | None = None
    hostpart = authority
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise InvalidURL(f"bad IPv6 host in {text[:100]!r}")
        hostpart, after = authority[: close + 1], authority[close + 1 :]
        portpart = after[1:] if after.startswith(":") else None
        if after and not after.startswith(":"):
            raise InvalidURL(f"bad host in {text[:100]!r}")
    elif ":" in authority:
        hostpart, portpart = authority.rsplit(":", 1)
    else:
        portpart = None
    if portpart:
        if not portpart.isdigit() or int(portpart) > 65535:
            raise InvalidURL(f"bad port {portpart!r}")
        port = int(portpart)
        if DEFAULT_PORTS.get(scheme) == port:
            port = None
    hostname = _host(hostpart)
    if hostname.startswith("["):
        hostname = hostname[1:-1]
    pathname = _path(tail, special) if (tail or special) else ""
    return URL(scheme, username, password, hostname, port, pathname, query, fragment)


def normalize_url(text: str) -> str:
    """``new URL(text).href``. :raises InvalidURL:"""
    return parse_url(text).href
