import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.urls import (
    Refused,
    Scope,
    canonical_url,
    dedupe_key,
    read_seeds,
    redact_userinfo,
    registered_domain,
    request_url,
    url_host,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTP://WWW.Example.COM", "http://www.example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com/a#frag", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a/..", "http://example.com/"),
        ("http://example.com/%7euser/%41", "http://example.com/~user/A"),
        ("http://example.com/a%2fb", "http://example.com/a%2Fb"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/ツ", "http://example.com/%E3%83%84"),
        ("http://example.com/100%", "http://example.com/100%25"),
        ("http://example.com/?b=2&a=1", "http://example.com/?b=2&a=1"),
        ("http://example.com/?", "http://example.com/"),
        ("http://bücher.example/", "http://xn--bcher-kva.example/"),
        ("http://example.com./x", "http://example.com/x"),
        ("http://[0:0::1]:8080/", "http://[::1]:8080/"),
        ("  http://example.com/  ", "http://example.com/"),
    ],
)
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://example.com/",
        "mailto:someone@example.com",
        "javascript:alert(1)",
        "http://",
        "http://user:secret@example.com/",
        "http://example.com:99999/",
        "http://example.com:0/",
        "http://exa mple.com/",
        "http://[zz::1]/",
        "/relative/path",
    ],
)
def test_not_crawlable(raw):
    assert canonical_url(raw) is None


@given(st.text(max_size=60))
def test_canonical_url_is_idempotent(tail):
    url = canonical_url("http://example.com/" + tail)
    if url is not None:
        assert canonical_url(url) == url
        assert url.isascii()


@given(
    st.sampled_from(["http", "https"]),
    st.text(alphabet="ab09-._", min_size=1, max_size=12),
    st.none() | st.integers(min_value=0, max_value=70000),
    st.text(alphabet="aZ09-._~!$&'()*+,;=:@/?%#", max_size=20),
)
def test_the_fast_path_agrees_with_full_parsing(scheme, host, port, path):
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}/{path}"
    # A trailing space is stripped by full parsing but rules out the fast path.
    assert canonical_url(url) == canonical_url(url + " ")


def test_dedupe_key_ignores_parameter_order():
    assert dedupe_key("http://e.com/p?b=2&a=1") == dedupe_key("http://e.com/p?a=1&b=2")
    assert dedupe_key("http://e.com/p") == "http://e.com/p"


def test_url_host():
    assert url_host("http://example.com:8080/x") == "example.com"
    assert url_host("http://[::1]:8080/x") == "[::1]"
    assert url_host("https://a.b.example.co.uk/") == "a.b.example.co.uk"


@pytest.mark.parametrize(
    "host, domain",
    [
        ("blog.example.co.uk", "example.co.uk"),
        ("www.example.co.uk", "example.co.uk"),
        ("example.com", "example.com"),
        ("alice.github.io", "alice.github.io"),  # private suffixes count
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "[::1]"),
        ("localhost", "localhost"),
        ("intranet.test", "intranet.test"),
    ],
)
def test_registered_domain(host, domain):
    assert registered_domain(host) == domain


def test_scope_domain_host_any():
    seeds = ["http://www.example.co.uk/", "http://shop.example.org/"]
    domain = Scope.from_seeds("domain", seeds)
    assert domain.allows("blog.example.co.uk")
    assert domain.allows("slow.example.org")
    assert not domain.allows("example.net")
    host = Scope.from_seeds("host", seeds)
    assert host.allows("www.example.co.uk")
    assert not host.allows("blog.example.co.uk")
    assert Scope.from_seeds("any", seeds).allows("anything.example.net")
    with pytest.raises(ValueError, match="unknown scope"):
        Scope.from_seeds("world", seeds)


def test_read_seeds_file(tmp_path):
    path = tmp_path / "seeds.txt"
    path.write_text(
        "# comment\n\nhttp://a.example.com/\nnot a url\nhttp://b.example.com/  # inline\n"
        "ftp://c.example.com/\nhttp://a.example.com/#dup\n"
    )
    seeds, problems, source = read_seeds(str(path))
    assert seeds == ["http://a.example.com/", "http://b.example.com/"]
    assert [(p.line, p.text) for p in problems] == [(4, "not a url"), (6, "ftp://c.example.com/")]
    assert str(path) in source


def test_a_long_seed_list_is_not_a_file_name():
    spec = ",".join(f"http://site{i}.example.com/" for i in range(300))
    assert len(read_seeds(spec)[0]) == 300


def test_read_seeds_list_and_missing_file(tmp_path):
    seeds, problems, _ = read_seeds("http://a.example.com,https://b.example.com/x")
    assert seeds == ["http://a.example.com/", "https://b.example.com/x"] and not problems
    with pytest.raises(OSError):
        read_seeds(str(tmp_path / "missing.txt"))


def test_redact_userinfo():
    assert redact_userinfo("http://user:secret@example.com/a") == "http://***@example.com/a"
    assert redact_userinfo("http://example.com/a@b") is None
    assert redact_userinfo("https://a:b@c@example.com:8080/x?y=@") == "https://***@example.com:8080/x?y=@"


@pytest.mark.parametrize("host", ["127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7f.0.1",
                                  "%31%32%37.0.0.1", "127.0.0.1%2e", "%31%32%37%2e%30%2e%30%2e%31", "%31%32%37.1"])
def test_numeric_ipv4_hosts_become_dotted_quad(host):
    assert canonical_url(f"http://{host}:9/x") == "http://127.0.0.1:9/x"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("http://%6c%6f%63%61%6c%68%6f%73%74/", "http://localhost/"),
        ("http://www.ex%41mple.com/a", "http://www.example.com/a"),
        ("http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/"),
        ("http://%2531.0.0.1/", None),  # decodes to a host with "%" in it
        ("http://127.0.0.1%3a9/", None),
        ("http://ex%20ample.com/", None),
        ("http://%ff.example.com/", None),
    ],
)
def test_hosts_are_decoded_as_a_whatwg_parser_decodes_them(raw, expected):
    assert canonical_url(raw) == expected


@given(st.text(max_size=20))
def test_a_canonical_host_is_decoded_once_and_for_all(host):
    url = canonical_url(f"http://{host}/")
    if url is not None:
        assert canonical_url(url) == url
        assert "%" not in url_host(url) and url_host(url).isascii()


def test_request_url_canonicalises_or_refuses_whatever_brought_the_url():
    assert request_url("HTTP://%31%32%37.1:9/a/../b", 100) == "http://127.0.0.1:9/b"
    assert request_url("http://user:pw@example.com/x", 100) == Refused(
        "credentials", "http://***@example.com/x", "the URL carries credentials; they are never sent")
    assert request_url("http://example.com:99999/", 100).reason == "invalid-url"
    assert request_url("http://ex%20ample.com/", 100).reason == "invalid-url"
    assert request_url("mailto:someone@example.com", 100).reason == "invalid-url"
    long = request_url("http://example.com/" + "x" * 100, 100)
    assert long == Refused("trap", "http://example.com/" + "x" * 100,
                           "URL of 119 characters, longer than URLLENGTH_LIMIT=100")
    assert request_url("http://example.com/" + "x" * 100, 0) == "http://example.com/" + "x" * 100  # 0: no limit


def test_the_length_limit_applies_to_the_url_as_requested():
    # 30 characters as written, 115 once percent-encoded
    assert request_url("http://e.com/" + "\u00e9" * 17, 80).detail.startswith("URL of 115 characters")
