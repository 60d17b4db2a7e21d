"""Result cache: a re-run on unchanged files costs a hash and a look-up per file.

Entries live in one SQLite file in the user's cache folder (never in the project being fixed).
A key covers everything a result depends on: the file's bytes and name, the tool's own code, the
settings, the API index in use, and (for fixes) the cross-file facts of the run. A cache that
cannot be opened or written is silently not used: it must never fail a run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import iacfix
from iacfix.settings import Settings

_SCHEMA = 1
_KEEP_DAYS = 30


def default_folder() -> Path:
    if folder := os.environ.get("IACFIX_CACHE_DIR"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iacfix"


def _code_fingerprint() -> str:
    # The package's own files (size and mtime): an edited rule must not be served stale results,
    # even before the version number changes.
    root = Path(iacfix.__file__).parent
    digest = hashlib.sha256(iacfix.__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".gz", ".json") and "__pycache__" not in path.parts:
            info = path.stat()
            digest.update(f"{path.relative_to(root)}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def _api_fingerprint() -> str:
    from importlib import metadata

    versions = []
    for dist in ("aws-cdk-lib", "constructs", "cdktf", "cdktf-cdktf-provider-aws"):
        try:
            versions.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist}=-")
    return ",".join(versions) + ";" + os.environ.get("IACFIX_API_INDEX", "")


def fingerprint(settings: Settings) -> str:
    parts = (_SCHEMA, sys.version_info[:2], _code_fingerprint(), _api_fingerprint(), repr(settings))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def digest(*parts: bytes | str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


class Cache:
    """Key-value store of pickled results; every method is a no-op once something went wrong."""

    def __init__(self, settings: Settings, folder: Path | None = None) -> None:
        self.prefix = fingerprint(settings)
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, bytes, float]] = []
        self._touched: list[tuple[float, str]] = []
        try:
            folder = folder or default_folder()
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(folder / "results.sqlite3", timeout=2.0)
            self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB, used REAL)")
        except (OSError, sqlite3.Error):
            self._db = None

    def key(self, *parts: bytes | str) -> str:
        return digest(self.prefix, *parts)

    def get(self, key: str, count_miss: bool = True) -> Any | None:
        """The value stored under `key`, or None. `count_miss=False` is for a look-up made before
        knowing whether the value is needed at all: a hit counts, a miss does not."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
            value = pickle.loads(row[0]) if row else None  # noqa: S301 - our own cache file
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            value = None
        if value is None:
            self.misses += count_miss
        else:
            self.hits += 1
            self._touched.append((time.time(), key))
        return value

    def put(self, key: str, value: Any) -> None:
        if self._db is None:
            return
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError):  # a value that cannot be kept is not kept
            return
        self._pending.append((key, data, time.time()))

    def close(self) -> None:
        if self._db is None:
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", self._pending)
                self._db.executemany("UPDATE results SET used = ? WHERE key = ?", self._touched)
                self._db.execute("DELETE FROM results WHERE used < ?", (time.time() - _KEEP_DAYS * 86400,))
        except sqlite3.Error:
            pass
        finally:
            self._db.close()
            self._db = None
