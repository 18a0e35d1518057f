"""One Public Suffix List for the process, from tldextract's bundled snapshot."""

import tldextract

from crawler import privacy
from crawler.suffixes import EXTRACT
from crawler.urls import registered_domain


def test_private_suffixes_make_separate_sites():
    assert registered_domain("alice.github.io") == "alice.github.io"
    assert registered_domain("www.example.co.uk") == "example.co.uk"


def test_the_email_detector_knows_the_same_top_level_domains_as_from_the_public_list_alone():
    """Its TLDs now come from the URL layer's list, private suffixes
    included; they are the ones the ICANN section alone gives."""
    icann = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)
    expected = {form for suffix in icann.tlds for tld in [suffix.rsplit(".", 1)[-1]]
                for form in (tld, tld.encode("idna").decode("ascii"))}
    assert privacy._tlds() == expected
    assert {"com", "uk", "xn--p1ai", "рф"} <= privacy._tlds()


def test_the_list_is_never_fetched():
    assert EXTRACT.suffix_list_urls == ()
