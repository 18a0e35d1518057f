"""The private-address guard's decisions, for every range: tested directly,
never by sending traffic anywhere."""

import ipaddress

import pytest

from crawler.netguard import decode_host, host_address, host_refusal, networks, refusal

LOOPBACK = networks(["127.0.0.0/8", "::1/128"])


@pytest.mark.parametrize(
    "host, kind",
    [
        ("127.0.0.1", "loopback"), ("127.1", "loopback"), ("0x7f000001", "loopback"),
        ("2130706433", "loopback"), ("0177.0.0.1", "loopback"), ("0x7f.1", "loopback"),
        ("[::1]", "loopback"), ("[::ffff:127.0.0.1]", "loopback"), ("localhost", "loopback"),
        ("api.localhost", "loopback"), ("LOCALHOST.", "loopback"),
        ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.0.1", "private"),
        ("[fc00::1]", "private"), ("[fd12:3456::1]", "private"),
        ("169.254.169.254", "link-local"), ("[fe80::1]", "link-local"),
        ("224.0.0.251", "multicast"), ("[ff02::1]", "multicast"),
        ("0.0.0.0", "unspecified"), ("[::]", "unspecified"),
        ("100.64.0.1", "not globally routable"), ("240.0.0.1", "reserved"),
        ("[2002:a00:1::]", "private"),  # 6to4 carrying 10.0.0.1
        ("[64:ff9b::7f00:1]", "loopback"),  # NAT64 carrying 127.0.0.1
        # decoded as a WHATWG URL parser (a browser, a proxy) decodes them
        ("%31%32%37.0.0.1", "loopback"), ("127.0.0.1%2e", "loopback"), ("127.0.0.1.", "loopback"),
        ("%6c%6f%63%61%6c%68%6f%73%74", "loopback"), ("%4C%4F%43%41%4C%48%4F%53%54.", "loopback"),
        ("%31%36%39.254.169.254", "link-local"), ("%30x7f.1", "loopback"), ("\u2460\u2461\u2466.0.0.1", "loopback"),
        ("%E2%91%A0%E2%91%A1%E2%91%A6.0.0.1", "loopback"), ("127\u30020\u30020\u30021", "loopback"),
        ("\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54", "loopback"),  # full-width letters
        # hosts that decode to nothing valid cannot be checked, so are refused
        ("%2531%2532%2537.0.0.1", "invalid host"), ("127.0.0.1%3a9", "invalid host"), ("%ff.example.com", "invalid host"),
        ("a%2fb.example.com", "invalid host"), ("a%40b.example.com", "invalid host"), ("%00", "invalid host"),
        ("[fe80::1%25eth0]", "invalid host"), ("", "invalid host"), ("exa mple.com", "invalid host"),
    ],
)
def test_refused_ranges_in_every_literal_form(host, kind):
    reason = host_refusal(host)
    assert reason is not None and reason.startswith(kind), reason


@pytest.mark.parametrize("host", ["93.184.216.34", "8.8.8.8", "[2606:4700:4700::1111]", "example.com", "1.2.3"])
def test_public_addresses_and_names_pass(host):
    assert host_refusal(host) is None


def test_allowed_networks():
    assert host_refusal("127.0.0.1", LOOPBACK) is None
    assert host_refusal("[::1]", LOOPBACK) is None
    assert host_refusal("[::ffff:127.0.0.1]", LOOPBACK) is not None  # allowed v4 inside a refused v6
    assert host_refusal("10.0.0.1", LOOPBACK) is not None
    assert refusal(ipaddress.ip_address("10.1.1.1"), networks(["10.0.0.0/8"])) is None


@pytest.mark.parametrize(
    "host, decoded",
    [
        ("www.Example.COM.", "www.example.com"), ("b%C3%BCcher.example", "xn--bcher-kva.example"),
        ("b\u00fccher.example", "xn--bcher-kva.example"), ("www.ex%41mple.com", "www.example.com"),
        ("0x7f.1", "127.0.0.1"), ("[0:0::1]", "[::1]"), ("::1", "[::1]"), ("my_host.example", "my_host.example"),
        ("%", None), ("%zz.example.com", None), ("a..b", None), (".", None), ("x" * 254, None),
    ],
)
def test_decode_host(host, decoded):
    assert decode_host(host) == decoded


def test_literal_parsing():
    assert host_address("example.com") is None
    assert host_address("256.1.1.1") is None
    assert host_address("1.2.3.4.5") is None
    assert str(host_address("1.2.3")) == "1.2.0.3"
    assert str(host_address("%31.2.3")) == "1.2.0.3"
    assert host_address("%zz") is None
    with pytest.raises(ValueError, match="not a network"):
        networks(["localhost"])
