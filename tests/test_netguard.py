"""The private-address guard's decisions, for every range: tested directly,
never by sending traffic anywhere."""

import ipaddress

import pytest

from crawler.netguard import host_address, host_refusal, networks, refusal

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


def test_literal_parsing():
    assert host_address("example.com") is None
    assert host_address("256.1.1.1") is None
    assert host_address("1.2.3.4.5") is None
    assert str(host_address("1.2.3")) == "1.2.0.3"
    with pytest.raises(ValueError, match="not a network"):
        networks(["localhost"])
