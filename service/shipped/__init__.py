"""The rules and seed fixtures that ship inside the package, as folders on disk.

pyproject.toml maps the repository's top-level ``rules/`` and ``fixtures/`` onto
the packages ``service.shipped.rules`` and ``service.shipped.fixtures``.  Asking
importlib.resources for them, rather than for a path next to this file, finds the
repository's folders in a clone (editable install) and the copies in
site-packages once a wheel is installed.
"""

from __future__ import annotations

import atexit
import contextlib
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

RULES_PACKAGE = "service.shipped.rules"
FIXTURES_PACKAGE = "service.shipped.fixtures"


def rules_dir() -> Path:
    """The folder of the shipped rule files (``*.yaml``)."""
    return _folder(RULES_PACKAGE)


def fixtures_dir() -> Path:
    """The folder of the seed fixtures (``*.json``, and ``articles/``)."""
    return _folder(FIXTURES_PACKAGE)


@cache
def _folder(package: str) -> Path:
    resource = files(package)
    if isinstance(resource, Path):  # installed as files: the usual case
        return resource
    # A zipped install: extract once, and keep the copy until the process ends
    # (callers keep the path in Settings for the life of the process).
    extracted = contextlib.ExitStack()
    atexit.register(extracted.close)
    return extracted.enter_context(as_file(resource))
