"""Errors reported to the operator as one line: bad input or settings, and a
worker of a shared crawl that must stop."""


class ConfigError(Exception):
    """Bad input or settings: reported as one line, with a non-zero exit,
    before any request is sent."""


class WorkerFenced(Exception):
    """This worker of a shared crawl was presumed dead (its liveness in Redis
    lapsed) and reaped: its URLs went back to the frontier, so it must send
    and store nothing more."""
