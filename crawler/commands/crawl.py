"""`scrapy crawl`, reporting configuration errors as one line and exit code 2."""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.commands import SettingsChecked, fail
from crawler.errors import ConfigError


class Command(SettingsChecked, ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. scrapy crawl web -a seeds=FILE")
        assert self.crawler_process is not None
        errors: list[BaseException] = []
        crawler = self._create_crawler(args[0])
        _arrow_without_pandas()
        outcome: Any = self.crawler_process.crawl(crawler, **opts.spargs)
        _watch(outcome, errors)
        self.crawler_process.start()
        _exit_without_collecting()
        worker_error = getattr(crawler, "worker_error", None)
        if worker_error is not None:
            fail(self, worker_error, exitcode=1)
            return
        write_error = getattr(crawler, "shard_write_error", None)
        if write_error is not None:
            fail(self, f"{write_error}: free some space or point PARQUET_DIR and AUDIT_DIR at a "
                 "writable disk; every shard published before is intact, and with JOBDIR the crawl "
                 "resumes where it stopped", exitcode=1)
            return
        for error in errors:
            if isinstance(error, ConfigError):
                fail(self, str(error))
                return
            traceback.print_exception(error)
        if errors or self.crawler_process.bootstrap_failed:
            self.exitcode = 1


class _NoPandas:
    """An import finder for which pandas is not installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas":
            raise ImportError("pandas is hidden from pyarrow's first look")


def _arrow_without_pandas() -> None:
    """pyarrow imports pandas, when it is installed, on its first conversion
    of a Python list, to tell pandas objects apart: ~0.18 CPU s and tens of
    MB in every crawl process (once per worker), whose shard writers only
    ever hand it lists. Let that first look find no pandas: pyarrow then
    takes lists as lists for the rest of the process, and still imports
    pandas if anything asks it for a pandas conversion."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa  # the shard writers' own import, done here first

    hidden = _NoPandas()
    sys.meta_path.insert(0, hidden)  # type: ignore[arg-type]
    try:
        pa.array([], pa.null())
    finally:
        sys.meta_path.remove(hidden)  # type: ignore[arg-type]


def _exit_without_collecting() -> None:
    """The crawl is over and the process exits next, its files closed: take
    every object out of the garbage collector's reach, so that interpreter
    shutdown does not walk the whole heap several times (~0.25 CPU s per
    process, paid once by every worker of a shared crawl). Exit handlers
    and reference counting still run; only cycles are left to the OS."""
    gc.freeze()


def _watch(outcome: Any, errors: list[BaseException]) -> None:
    """Collect the crawl's exception, whether Scrapy returned a Task or a
    Deferred, so that a ConfigError is reported once, without a traceback."""
    if hasattr(outcome, "add_done_callback"):

        def done(task: Any) -> None:
            if not task.cancelled() and task.exception() is not None:
                errors.append(task.exception())

        outcome.add_done_callback(done)
    else:

        def failed(failure: Any) -> None:
            errors.append(failure.value)

        outcome.addErrback(failed)
