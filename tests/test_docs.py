"""The README must match the code."""

import ast
import re
import subprocess

import settings
from tests.support import REPO

README = (REPO / "README.md").read_text()
WIRING = {
    "BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "COMMANDS_MODULE",
    "EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES",
}


def documented_settings() -> dict[str, str]:
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([A-Z0-9_]+)` \| `(.*?)` \|", section, re.M))


def test_every_setting_is_documented_with_its_default():
    documented = documented_settings()
    names = {n for n in dir(settings) if n.isupper() and n not in WIRING}
    assert names == set(documented), names ^ set(documented)
    for name in names:
        assert ast.literal_eval(documented[name]) == getattr(settings, name), name


def test_quick_start_has_two_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2
    assert "scrapy demo" in commands[0]
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[0] in ci and commands[1] in ci
    assert "git clone" in ci and "mktemp -d" in ci  # a fresh clone with nothing beside it


def test_nothing_refers_to_the_team_folder_beside_the_checkout():
    team = "sha" + "red"  # spelled apart so that this test does not find itself
    FOLDER, JOINED = f"../{team}", f'/ "{team}"'  # a path, or pathlib's parent / "..."
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in tracked.stdout.splitlines():
        path = REPO / name
        if path.suffix in (".py", ".md", ".toml", ".cfg", "") and path.is_file() and "data" not in path.parts:
            text = path.read_text(errors="replace")
            assert FOLDER not in text and JOINED not in text, name


def test_schema_table_matches_the_schema():
    from crawler.shards import DOCUMENT_SCHEMA, DOCUMENT_SCHEMA_VERSION

    heading, section = README.split("### Document schema", 1)[1].split("\n", 1)
    assert heading.strip() == f"(version {DOCUMENT_SCHEMA_VERSION})"
    section = section.split("\n#", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", section, re.M) == DOCUMENT_SCHEMA.names


def test_site_owner_page_matches_the_settings():
    page = " ".join((REPO / "SITE_OWNERS.md").read_text().split())
    assert "[SITE_OWNERS.md](SITE_OWNERS.md)" in README
    expected = [
        f"Product token (what to name in robots.txt): `{settings.ROBOTSTXT_USER_AGENT}`",
        f"User-Agent header: `{settings.USER_AGENT}`",
        f"used for at most {settings.ROBOTS_CACHE_SECONDS / 3600:g} hours",
        f"fetched again after {settings.ROBOTS_RETRY_DELAY:g} seconds",
        f"after {settings.ROBOTS_RETRY_TIMES} retries",
        f"A Crawl-delay of up to {settings.ROBOTS_MAX_CRAWL_DELAY:g} seconds is honoured",
        f"at least {settings.DOWNLOAD_DELAY:g} second passes",
        f"with at most {settings.CONCURRENT_REQUESTS_PER_DOMAIN} request in flight",
        f"pauses your whole host for {settings.BACKOFF_CHALLENGE_PAUSE / 60:g} minutes",
        f"after {settings.BACKOFF_GIVE_UP_AFTER} challenges or blocks",
        f"at most {settings.BACKOFF_MAX_PAUSE / 3600:g} hours",
        f"not answered within {settings.DOWNLOAD_TIMEOUT:g} seconds is not asked for again",
        f"the default purpose is `{settings.CRAWL_PURPOSE}`",
        f"`User-agent: {settings.ROBOTSTXT_USER_AGENT}` then `Disallow: /`",
        "stored pages are kept until the operator erases them" if settings.PRIVACY_RETENTION_DAYS == 0
        else f"stored pages are kept for {settings.PRIVACY_RETENTION_DAYS:g} days",
    ]
    for phrase in expected:
        assert " ".join(phrase.split()) in page, phrase
    assert not settings.COOKIES_ENABLED and not settings.SIGNALS_FOLLOW_REL_NOFOLLOW
