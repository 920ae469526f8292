from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazette.ingest.urls import InvalidURL, canonical_url, source_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/%7euser/%2e%2e/x", "http://example.com/x"),
        ("http://example.com/caf\u00e9 au lait", "http://example.com/caf%C3%A9%20au%20lait"),
        ("http://example.com/a%2fb?q=%c3%a9", "http://example.com/a%2Fb?q=%C3%A9"),
        ("http://b\u00fccher.example/", "http://xn--bcher-kva.example/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("  http://example.com/padded  ", "http://example.com/padded"),
        ("http://example.com/?", "http://example.com/"),
    ],
)
def test_canonical_url_normalizes(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_drops_tracking_parameters_and_keeps_the_others_in_order() -> None:
    url = (
        "https://example.com/story?utm_source=rss&b=2&FBCLID=x&a=1&gclid=y&ns_mchannel=z"
        "&at_medium=w&mc_cid=1&_hsenc=2&ref_src=twsrc&igshid=3&b=1"
    )
    assert canonical_url(url) == "https://example.com/story?b=2&a=1&b=1"


def test_canonical_url_keeps_ordinary_parameters_that_merely_look_alike() -> None:
    assert canonical_url("https://example.com/?ref=home&page=2&utm=1") == (
        "https://example.com/?ref=home&page=2&utm=1"
    )


def test_canonical_url_resolves_against_base() -> None:
    assert canonical_url("../b?utm_medium=x", "http://127.0.0.1:8101/a/c/d") == "http://127.0.0.1:8101/a/b"
    assert canonical_url("//other.example/x", "https://example.com/") == "https://other.example/x"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "javascript:alert(1)",
        "mailto:a@example.com",
        "ftp://example.com/",
        "http://",
        "http://[::1",
    ],
)
def test_canonical_url_refuses_what_is_not_an_http_url(url: str) -> None:
    with pytest.raises(InvalidURL):
        canonical_url(url)


def test_invalid_url_is_a_value_error() -> None:
    assert issubclass(InvalidURL, ValueError)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://127.0.0.1:8101/feed.xml", "http://127.0.0.1:8101"),
        ("https://Example.com/a/b", "https://example.com:443"),
        ("http://example.com/", "http://example.com:80"),
        ("http://[::1]/x", "http://[::1]:80"),
    ],
)
def test_source_key_has_an_explicit_port(url: str, key: str) -> None:
    assert source_key(url) == key


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_canonical_url_never_raises_anything_but_invalid_url(text: str) -> None:
    for candidate in (text, "http://" + text, "https://example.com/" + text):
        try:
            result = canonical_url(candidate)
        except InvalidURL:
            continue
        assert canonical_url(result) == result


_host = st.from_regex(r"[a-zA-Z0-9]{1,10}(\.[a-zA-Z]{2,5}){0,2}", fullmatch=True)
_component = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from("%/?#&=.+"),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    _host,
    st.one_of(st.none(), st.integers(min_value=1, max_value=65535)),
    _component,
    st.lists(st.tuples(st.sampled_from(["utm_source", "id", "fbclid", "q", "x"]), _component), max_size=4),
)
def test_canonical_url_is_idempotent_on_url_like_input(
    scheme: str, host: str, port: int | None, path: str, query: list[tuple[str, str]]
) -> None:
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}/{path}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    try:
        result = canonical_url(url)
    except InvalidURL:
        return
    assert canonical_url(result) == result
    assert result.startswith(("http://", "https://"))
    assert "#" not in result
    names = {name for name, _ in parse_qsl(urlsplit(result).query, keep_blank_values=True)}
    assert not names & {"utm_source", "fbclid"}
