"""Every command, against a table of bad inputs: exit code 2, exactly one
`error:` line on stderr, no traceback, nothing written to the output folders
and no request sent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

import settings as project_settings
from crawler.localweb import Site, html
from crawler.settings_check import RULES, setting_error
from tests.support import REPO, crawl_env

SEED = "http://www.example.com/"
OUT = ["-s", "PARQUET_DIR={out}/documents", "-s", "AUDIT_DIR={out}/audit"]


DATASET = ["-s", "PARQUET_DIR={tmp}/dataset/documents", "-s", "AUDIT_DIR={tmp}/dataset/audit"]


def crawl(*extra: str) -> list[str]:
    return ["crawl", "web", *OUT, *extra]


def crawl_setting(name: str, value: str) -> list[str]:
    return crawl("-a", f"seeds={SEED}", "-s", f"{name}={value}")


CASES: dict[str, list[str]] = {
    # crawl: seeds, arguments, and every kind of setting problem
    "crawl, no seeds": crawl(),
    "crawl, missing seeds file": crawl("-a", "seeds={tmp}/missing.txt"),
    "crawl, seeds file without a URL": crawl("-a", "seeds={tmp}/junk.txt"),
    "crawl, unknown scope": crawl("-a", f"seeds={SEED}", "-a", "scope=planet"),
    "crawl, no spider name": ["crawl", *OUT],
    "crawl, DOWNLOAD_DELAY not a number": crawl_setting("DOWNLOAD_DELAY", "abc"),
    "crawl, DOWNLOAD_DELAY negative": crawl_setting("DOWNLOAD_DELAY", "-1"),
    "crawl, DOWNLOAD_DELAY nan": crawl_setting("DOWNLOAD_DELAY", "nan"),
    "crawl, CONCURRENT_REQUESTS_PER_DOMAIN zero": crawl_setting("CONCURRENT_REQUESTS_PER_DOMAIN", "0"),
    "crawl, DEPTH_LIMIT a fraction": crawl_setting("DEPTH_LIMIT", "1.5"),
    "crawl, COOKIES_ENABLED not a boolean": crawl_setting("COOKIES_ENABLED", "maybe"),
    "crawl, DOWNLOAD_DELAY_JITTER above 1": crawl_setting("DOWNLOAD_DELAY_JITTER", "2"),
    "crawl, ROBOTS_CACHE_SECONDS above a day": crawl_setting("ROBOTS_CACHE_SECONDS", "90000"),
    "crawl, unknown CRAWL_PURPOSE": crawl_setting("CRAWL_PURPOSE", "profit"),
    "crawl, unknown LOG_LEVEL": crawl_setting("LOG_LEVEL", "LOUD"),
    "crawl, empty TEXT_EXTRACTOR": crawl_setting("TEXT_EXTRACTOR", ""),
    "crawl, TEXT_EXTRACTOR not importable": crawl_setting("TEXT_EXTRACTOR", "nowhere.extract"),
    "crawl, unknown PARQUET_COMPRESSION": crawl_setting("PARQUET_COMPRESSION", "rar"),
    "crawl, PARQUET_DIR under a file": crawl("-a", f"seeds={SEED}", "-s", "PARQUET_DIR={tmp}/junk.txt/sub"),
    "crawl, USER_AGENT without the token": crawl_setting("USER_AGENT", "Mozilla/5.0"),
    "crawl, invalid product token": crawl_setting("ROBOTSTXT_USER_AGENT", "Bot9"),
    "crawl, bad NETGUARD_ALLOWED_NETWORKS": crawl_setting("NETGUARD_ALLOWED_NETWORKS", "10.0.0.0/33"),
    "crawl, CRAWL_ID with a split word": crawl_setting("CRAWL_ID", "news-test-1"),
    "crawl, CRAWL_ID unsafe in a file name": crawl_setting("CRAWL_ID", "../x"),
    "crawl, CRAWL_ID hidden from readers": crawl_setting("CRAWL_ID", "_x"),
    "crawl, a bad line in PRIVACY_DENYLIST": crawl_setting("PRIVACY_DENYLIST", "{tmp}/junk.txt"),
    "crawl, FRONTIER_REDIS_URL not a Redis URL": crawl("-a", f"seeds={SEED}", "-s", "CRAWL_ID=c1",
                                                       "-s", "FRONTIER_REDIS_URL=http://127.0.0.1:6379/"),
    "crawl, FRONTIER_REDIS_URL without CRAWL_ID": crawl_setting("FRONTIER_REDIS_URL", "{redis}"),
    "crawl, Redis not reachable": crawl("-a", f"seeds={SEED}", "-s", "CRAWL_ID=c1",
                                        "-s", "FRONTIER_REDIS_URL=redis://127.0.0.1:1/0"),
    "crawl, WORKER_ID with a split word": crawl_setting("WORKER_ID", "eval-1"),
    "crawl, WORKER_ID unsafe in a file name": crawl_setting("WORKER_ID", "a/b"),
    "crawl, FRONTIER_WORKER_TIMEOUT zero": crawl_setting("FRONTIER_WORKER_TIMEOUT", "0"),
    "crawl, PRIVACY_REDACT not a boolean": crawl_setting("PRIVACY_REDACT", "perhaps"),
    "crawl, PRIVACY_KEEP_BODY not a boolean": crawl_setting("PRIVACY_KEEP_BODY", "sometimes"),
    "crawl, PRIVACY_PATTERNS not JSON": crawl_setting("PRIVACY_PATTERNS", "{{badge: x}}"),  # braces doubled: format()
    "crawl, PRIVACY_PATTERNS bad expression": crawl_setting("PRIVACY_PATTERNS", '{{"badge": "("}}'),
    # demo
    "demo, --out is a file": ["demo", "--out", "{tmp}/junk.txt"],
    # robots
    "robots, no URL": ["robots"],
    "robots, not an http URL": ["robots", "ftp://example.com/"],
    "robots, missing --file": ["robots", SEED, "--file", "{tmp}/missing.txt"],
    "robots, bad --agent": ["robots", SEED, "--agent", "two words", "--file", "{tmp}/junk.txt"],
    "robots, bad setting": ["robots", SEED, "-s", "ROBOTS_CACHE_SECONDS=0"],
    # audit: anything that is not an audit dataset, and bad options
    "audit, documents folder": ["audit", "{tmp}/dataset/documents", "--host", "www.example.com"],
    "audit, empty folder": ["audit", "{tmp}/empty", "--host", "www.example.com"],
    "audit, missing folder": ["audit", "{tmp}/missing", "--host", "www.example.com"],
    "audit, a file": ["audit", "{tmp}/junk.txt", "--host", "www.example.com"],
    "audit, stray non-Parquet file only": ["audit", "{tmp}/stray", "--host", "www.example.com"],
    "audit, truncated shard": ["audit", "{tmp}/truncated", "--host", "www.example.com"],
    "audit, not Parquet under a shard name": ["audit", "{tmp}/fake", "--host", "www.example.com"],
    "audit, neither --host nor --domain": ["audit", "{tmp}/dataset/audit"],
    "audit, bad --since": ["audit", "{tmp}/dataset/audit", "--host", "www.example.com", "--since", "yesterday"],
    "audit, no folder": ["audit", "--host", "www.example.com"],
    "audit, --url not http": ["audit", "{tmp}/dataset/audit", "--url", "ftp://www.example.com/"],
    "audit, --host and --url": ["audit", "{tmp}/dataset/audit", "--host", "www.example.com", "--url", SEED],
    # lookup, forget, expire: what they select, and the datasets and files the settings name
    "lookup, no selector": ["lookup", *DATASET],
    "lookup, two selectors": ["lookup", "--host", "www.example.com", "--domain", "example.com", *DATASET],
    "lookup, --url not http": ["lookup", "--url", "ftp://www.example.com/", *DATASET],
    "lookup, --domain that is a host": ["lookup", "--domain", "www.example.com", *DATASET],
    "lookup, --match too short": ["lookup", "--match", "ab", *DATASET],
    "lookup, a positional argument": ["lookup", "www.example.com", *DATASET],
    "lookup, missing PARQUET_DIR": ["lookup", "--host", "www.example.com", "-s", "PARQUET_DIR={tmp}/missing"],
    "lookup, PARQUET_DIR holds audit shards": ["lookup", "--host", "www.example.com",
                                               "-s", "PARQUET_DIR={tmp}/dataset/audit"],
    "lookup, --export into a missing folder": ["lookup", "--host", "www.example.com",
                                               "--export", "{tmp}/missing/out.parquet", *DATASET],
    "forget, no selector": ["forget", *DATASET],
    "forget, --host not a host": ["forget", "--host", SEED, *DATASET],
    "forget, --match of two lines": ["forget", "--match", "Jane\nRoe", *DATASET],
    "forget, truncated shard": ["forget", "--host", "www.example.com", "-s", "PARQUET_DIR={tmp}/truncated"],
    "forget, PARQUET_DIR holds audit shards": ["forget", "--host", "www.example.com",
                                               "-s", "PARQUET_DIR={tmp}/dataset/audit"],
    "forget, a bad line in PRIVACY_DENYLIST": ["forget", "--host", "www.example.com", *DATASET,
                                               "-s", "PRIVACY_DENYLIST={tmp}/junk.txt"],
    "forget, PRIVACY_KEY_FILE not a key": ["forget", "--host", "www.example.com", *DATASET,
                                           "-s", "PRIVACY_KEY_FILE={tmp}/junk.txt"],
    "expire, PRIVACY_RETENTION_DAYS 0": ["expire", *DATASET],
    "expire, PRIVACY_RETENTION_DAYS not a number": ["expire", *DATASET, "-s", "PRIVACY_RETENTION_DAYS=a year"],
    "expire, truncated shard": ["expire", "-s", "PARQUET_DIR={tmp}/truncated", "-s", "PRIVACY_RETENTION_DAYS=30"],
    # frontier
    "frontier, no action": ["frontier", "-s", "FRONTIER_REDIS_URL={redis}", "-s", "CRAWL_ID=c1"],
    "frontier, unknown action": ["frontier", "stop", "-s", "FRONTIER_REDIS_URL={redis}", "-s", "CRAWL_ID=c1"],
    "frontier, no FRONTIER_REDIS_URL": ["frontier", "status", "-s", "CRAWL_ID=c1"],
    "frontier, no CRAWL_ID": ["frontier", "status", "-s", "FRONTIER_REDIS_URL={redis}"],
    "frontier, not a Redis URL": ["frontier", "status", "-s", "FRONTIER_REDIS_URL=127.0.0.1:6379", "-s", "CRAWL_ID=c1"],
    "frontier, Redis not reachable": ["frontier", "status", "-s", "FRONTIER_REDIS_URL=redis://127.0.0.1:1/0",
                                      "-s", "CRAWL_ID=c1"],
    "frontier, unknown crawl": ["frontier", "status", "-s", "FRONTIER_REDIS_URL={redis}", "-s", "CRAWL_ID=nothing"],
    # upgrade
    "upgrade, no folder": ["upgrade"],
    "upgrade, missing folder": ["upgrade", "{tmp}/missing"],
    "upgrade, not Parquet under a shard name": ["upgrade", "{tmp}/fake"],
    "upgrade, truncated shard": ["upgrade", "{tmp}/truncated"],
    "audit, --html in a missing folder": ["audit", "{tmp}/dataset/audit", "--host", "www.example.com",
                                          "--html", "{tmp}/missing/report.html"],
    "audit, --html is a folder": ["audit", "{tmp}/dataset/audit", "--host", "www.example.com", "--html", "{tmp}/empty"],
    # verify: logs and audit folders that are not, and bad options
    "verify, no access log": ["verify", "--audit", "{tmp}/dataset/audit"],
    "verify, no --audit": ["verify", "{tmp}/access.log"],
    "verify, missing access log": ["verify", "{tmp}/missing.log", "--audit", "{tmp}/dataset/audit"],
    "verify, access log is a folder": ["verify", "{tmp}/empty", "--audit", "{tmp}/dataset/audit"],
    "verify, not an access log": ["verify", "{tmp}/junk.txt", "--audit", "{tmp}/dataset/audit"],
    "verify, documents folder as --audit": ["verify", "{tmp}/access.log", "--audit", "{tmp}/dataset/documents"],
    "verify, missing --audit folder": ["verify", "{tmp}/access.log", "--audit", "{tmp}/missing"],
    "verify, truncated audit shard": ["verify", "{tmp}/access.log", "--audit", "{tmp}/truncated"],
    "verify, --tolerance not a number": ["verify", "{tmp}/access.log", "--audit", "{tmp}/dataset/audit",
                                         "--tolerance", "soon"],
    "verify, --tolerance negative": ["verify", "{tmp}/access.log", "--audit", "{tmp}/dataset/audit",
                                     "--tolerance", "-1"],
    "verify, missing --robots file": ["verify", "{tmp}/access.log", "--audit", "{tmp}/dataset/audit",
                                      "--robots", "{tmp}/missing.txt"],
    "verify, bad --agent": ["verify", "{tmp}/access.log", "--audit", "{tmp}/dataset/audit", "--agent", "two words"],
    "verify, --html in a missing folder": ["verify", "{tmp}/access.log", "--audit", "{tmp}/dataset/audit",
                                           "--html", "{tmp}/missing/report.html"],
}

ACCESS_LOG = ('www.example.com 127.0.0.1 - - [02/Dec/2026:08:00:01 +0000] "GET / HTTP/1.1" 200 12 "-" '
              f'"{project_settings.USER_AGENT}"\n')


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A real crawl's documents and audit folders, made once."""
    from crawler.localweb import LocalWeb
    from tests.support import run_crawl

    out = tmp_path_factory.mktemp("dataset")
    with LocalWeb({"www.example.com": Site({"/": html("<p>home</p>")})}) as web:
        crawl = run_crawl(web, SEED, out)
    assert crawl.returncode == 0, crawl.log
    return out


@pytest.fixture
def web(serve):
    return serve({"www.example.com": Site({"/": html("<p>home</p>")})})


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(case, tmp_path, dataset, web, redis_url):
    (tmp_path / "junk.txt").write_text("# no URL here\nnot a url\n")
    (tmp_path / "access.log").write_text(ACCESS_LOG)
    (tmp_path / "empty").mkdir()
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "notes.txt").write_text("not a shard")
    shutil.copytree(dataset, tmp_path / "dataset")
    shutil.copytree(dataset / "audit", tmp_path / "truncated")
    shard = next((tmp_path / "truncated").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "00000.parquet").write_text("not parquet")
    out = tmp_path / "out"
    before = files_under(tmp_path)
    args = [a.format(tmp=tmp_path, out=out, redis=redis_url) for a in CASES[case]]
    result = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=REPO, env=crawl_env(web),
                            capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert result.returncode == 2, result.stderr
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert files_under(tmp_path) == before, "something was written"
    assert web.log == []


def test_every_command_has_bad_input_cases():
    commands = {p.stem for p in (REPO / "crawler" / "commands").glob("*.py") if p.stem != "__init__"}
    covered = {args[0] for args in CASES.values()}
    assert commands == covered, commands ^ covered


def test_every_project_setting_is_checked_and_defaults_pass():
    wiring = {"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "COMMANDS_MODULE", "EXTENSIONS",
              "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "DOWNLOAD_HANDLERS", "SCHEDULER",
              "TWISTED_DNS_RESOLVER", "REMOTE_CONTROL_ENABLED"}
    names = {n for n in dir(project_settings) if n.isupper()} - wiring
    assert names <= set(RULES), names - set(RULES)
    defaults = Settings()
    defaults.setmodule(project_settings)
    assert setting_error(defaults) is None


@pytest.mark.parametrize("name, value, fragment", [
    ("DOWNLOAD_DELAY", "abc", "DOWNLOAD_DELAY='abc' is not accepted: use a number at least 0"),
    ("DOWNLOAD_DELAY", "inf", "DOWNLOAD_DELAY='inf'"),
    ("DOWNLOAD_DELAY_JITTER", "-0.1", "use a number from 0 to 1"),
    ("DOWNLOAD_TIMEOUT", "0", "use a number above 0"),
    ("ROBOTS_CACHE_SECONDS", "86401", "at most 24 h): use a number above 0 and at most 86400"),
    ("CONCURRENT_REQUESTS", "many", "use a whole number at least 1"),
    ("SITEMAPS_ENABLED", "perhaps", "use True or False"),
    ("CRAWL_PURPOSE", "profit", "use one of ai-training, search, archive"),
    ("AUDIT_DIR", " ", "use a non-empty text"),
    ("PRIVACY_KEEP_BODY", "sometimes", "use True or False"),
    ("PRIVACY_PATTERNS", "[1, 2]", "use a mapping (JSON object) of names to values"),
    ("PRIVACY_PATTERNS", '{"badge": "("}', "pattern badge: '(' is not a regular expression"),
    ("PRIVACY_PATTERNS", '{"email": "x"}', "not one of email, phone"),
])
def test_setting_error_names_the_setting_the_value_and_what_is_accepted(name, value, fragment):
    values = Settings()
    values.setmodule(project_settings)
    values.set(name, value)
    assert fragment in setting_error(values)


@pytest.mark.parametrize("name, value", [("DOWNLOAD_DELAY", "0"), ("DOWNLOAD_DELAY", 2.5),
                                         ("COOKIES_ENABLED", "False"), ("ROBOTS_CACHE_SECONDS", "86400"),
                                         ("LIMITS_CONTENT_TYPES", "text/html,text/plain"),
                                         ("PRIVACY_KEEP_BODY", "True"), ("PRIVACY_PATTERNS", '{"badge": "B-[0-9]+"}')])
def test_good_values_pass(name, value):
    values = Settings()
    values.setmodule(project_settings)
    values.set(name, value)
    assert setting_error(values) is None
