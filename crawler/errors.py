"""Errors the operator must fix before a crawl can run."""


class ConfigError(Exception):
    """Bad input or settings: reported as one line, with a non-zero exit,
    before any request is sent."""
