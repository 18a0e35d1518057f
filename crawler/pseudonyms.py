"""Keyed pseudonyms for URLs the audit trail must no longer hold in clear.

A plain hash of a URL is easily reversed by hashing candidate URLs (a site's
own pages are a short list), so the pseudonym is an HMAC-SHA256 of the
canonical URL under a secret key the operator keeps: without the key nobody
can tell which URL a pseudonym stands for; with it, `scrapy audit --url URL`
computes the same pseudonym and finds the rows. The key (32 random bytes) is
created on first use in `PRIVACY_KEY_FILE`, outside the datasets, readable
by its owner only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError
from crawler.shards import fsync_dir
from crawler.urls import canonical_url

PREFIX = "hmac-sha256:"
KEY_BYTES = 32
SETTING = "PRIVACY_KEY_FILE"


def pseudonym(key: bytes, url: str) -> str:
    """The keyed hash that stands for `url` (any spelling of it) in the audit."""
    return PREFIX + hmac.new(key, (canonical_url(url) or url).encode(), hashlib.sha256).hexdigest()


def is_pseudonym(value: str) -> bool:
    return value.startswith(PREFIX)


def key_path(settings: Any, audit_dir: Path | None = None) -> Path:
    """PRIVACY_KEY_FILE, by default `.privacy/key` beside the audit folder
    (`audit_dir`, else AUDIT_DIR): outside every dataset, so publishing a
    dataset never publishes the key."""
    configured = settings.get(SETTING)
    if configured:
        return Path(configured)
    audit = audit_dir if audit_dir is not None else Path(settings.get("AUDIT_DIR"))
    return audit.absolute().parent / ".privacy" / "key"


def read_key(path: Path) -> bytes | None:
    """The key at `path`, None when there is none yet, or a ConfigError for
    a file that is not a key."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{SETTING}={path} cannot be read ({exc.strerror}): run as the user who owns it") from None
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"{SETTING}={path} is not a key of {KEY_BYTES} bytes: restore it from your backup (a new key "
            "cannot find the URLs pseudonymised with the old one)"
        )
    return key


def privacy_key(path: Path) -> bytes:
    """The key at `path`, created if there is none: written whole to a file
    of mode 0600 and linked into place, so that a key is never half-written
    and two processes creating it at once end up with the same one."""
    key = read_key(path)
    if key is not None:
        return key
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, os.urandom(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
        finally:
            draft.unlink()
        fsync_dir(path.parent)
    except OSError as exc:
        raise ConfigError(f"{SETTING}={path} cannot be created ({exc.strerror or exc}): "
                          "give a path in a folder the crawler can write") from None
    key = read_key(path)
    assert key is not None
    return key
