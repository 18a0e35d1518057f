import pytest

from crawler.identity import identity_errors, identity_warnings


def test_valid_identity():
    ua = "PoliteCrawler/0.1 (+https://example.org/bot; bot@example.org)"
    assert identity_errors(ua, "PoliteCrawler") == []
    assert identity_warnings(ua) == []


@pytest.mark.parametrize("token", ["Bot2", "my bot", "bot/1.0", "bot*"])
def test_token_must_be_letters_dash_underscore(token):
    [error] = identity_errors(f"{token} (+https://example.org)", token)
    assert "RFC 9309" in error and "ROBOTSTXT_USER_AGENT" in error


def test_missing_token():
    [error] = identity_errors("Something/1.0", None)
    assert "ROBOTSTXT_USER_AGENT is not set" in error


def test_user_agent_must_contain_the_token_as_a_word():
    [error] = identity_errors("Mozilla/5.0 (compatible; OtherBot/1.0)", "PoliteCrawler")
    assert "does not contain the product token" in error
    assert identity_errors("xPoliteCrawler/1.0", "PoliteCrawler")
    assert identity_errors("politecrawler/1.0 (+https://x.org)", "PoliteCrawler") == []


@pytest.mark.parametrize(
    "ua, warned",
    [
        ("PoliteCrawler/0.1", True),
        ("PoliteCrawler/0.1 (+https://example.org/bot)", False),
        ("PoliteCrawler/0.1 (crawler@example.org)", False),
        ("PoliteCrawler/0.1 (@handle)", True),
    ],
)
def test_contact_warning(ua, warned):
    assert bool(identity_warnings(ua)) == warned
