"""Finding files, reading them, and writing results back without ever losing a byte."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from iacfix.codemods._units import is_requirements

DEFAULT_EXCLUDE = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "node_modules", "cdk.out", "cdktf.out", ".gen",
     "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", "build", "dist"}
)
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Source:
    """A file to process, or the reason it cannot be (`error`)."""

    path: str
    data: bytes = b""
    error: str | None = None


def discover(
    paths: Sequence[str],
    exclude: frozenset[str] = DEFAULT_EXCLUDE,
    *,
    skip: Callable[[str, bool], bool] | None = None,
) -> Iterator[tuple[str, str | None]]:
    """Yield `(path, error)` for every file to process, in a stable order, each file once.

    Directories are walked for `*.py` and `requirements*.txt`; files named explicitly are taken whatever their suffix.
    Symlinked directories are not followed (no loops), and a file reached twice is yielded once.
    `skip(path, explicit)`, when given, replaces `exclude` (the configuration's patterns);
    `explicit` says the path was named by the caller rather than found in a walk.
    A folder that cannot be listed, or a named path that is not a regular file (a FIFO would block
    the read forever), is yielded with its error rather than skipped in silence.
    """
    seen: set[str] = set()
    if skip is None:

        def skip(path: str, explicit: bool) -> bool:
            return not explicit and os.path.basename(path) in exclude

    def once(path: str) -> bool:
        key = os.path.realpath(path)
        if key in seen:
            return False
        seen.add(key)
        return True

    for raw in paths:
        path = os.path.normpath(raw) if raw not in ("", ".") else "."
        if os.path.exists(path) and skip(path, True):
            continue
        if os.path.isdir(path):
            unlisted: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unlisted.append):
                for error in unlisted:
                    yield str(error.filename), f"cannot list directory: {error.strerror or error}"
                unlisted.clear()
                dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d))
                                 and not skip(os.path.join(root, d), False))
                for name in sorted(files):
                    if name.endswith(PYTHON_SUFFIXES) or is_requirements(name):
                        full = os.path.join(root, name)
                        if os.path.isfile(full) and not skip(full, False) and once(full):
                            yield full, None
            for error in unlisted:  # the top folder itself, or the last one walked
                yield str(error.filename), f"cannot list directory: {error.strerror or error}"
        elif os.path.exists(path):
            if not os.path.isfile(path):
                yield path, "not a regular file"
            elif once(path):
                yield path, None
        elif os.path.islink(path):
            yield path, "symbolic link loop" if _loops(path) else "broken symbolic link"
        else:
            yield path, "no such file or directory"


def _loops(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def read(path: str) -> Source:
    try:
        with open(path, "rb") as handle:
            return Source(path, handle.read())
    except FileNotFoundError:
        return Source(path, error="no such file or directory (removed during the run?)")
    except IsADirectoryError:
        return Source(path, error="is a directory")
    except PermissionError:
        return Source(path, error="permission denied")
    except OSError as error:
        return Source(path, error=f"cannot read: {error.strerror or error}")


class ChangedOnDisk(Exception):
    """The file no longer holds the bytes it was read with: someone else saved it meanwhile."""


_DEFERRED = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace `path` with `data` atomically, keeping its mode; refuse if it changed since read.

    The new bytes go to a temporary file in the same folder, which then replaces the original in
    one `os.replace`: a reader (or an interrupted run) sees the old bytes or the new, never a mix.
    SIGINT/SIGTERM/SIGHUP wait until the file is written (or its temporary file removed), so an
    interruption never leaves a temporary file behind; SIGKILL can, but never a partial file.
    """
    can_defer = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if can_defer:
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        _write_atomic(path, data, expected)
    finally:
        if can_defer:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a pending signal is raised here


def _write_atomic(path: str, data: bytes, expected: bytes) -> None:
    target = Path(path)
    info = target.stat()
    # The mode bits, not just os.access: root may write anything, but a file without any write
    # bit was made read-only on purpose and is not ours to replace.
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "read-only file", path)
    folder = target.parent
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed on any failure
        "wb", dir=folder, prefix=f".{target.name}.", suffix=".iacfix-tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, stat.S_IMODE(info.st_mode))
        with contextlib.suppress(OSError):
            os.chown(handle.name, info.st_uid, info.st_gid)
        with open(path, "rb") as current:
            if current.read() != expected:
                raise ChangedOnDisk(path)
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def write_new(path: str, data: bytes, *, make_dirs: bool = False) -> None:
    """Create `path` holding `data`; never replaces an existing file (raises `FileExistsError`).

    The bytes go to a temporary file first, which is then hard-linked to `path`: the link fails
    if `path` exists, so a file created meanwhile by someone else is not overwritten either.
    """
    target = Path(path)
    if make_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "file exists", path)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed in any case
        "wb", dir=target.parent, prefix=f".{target.name}.", suffix=".iacfix-tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o666 & ~_umask())
        try:
            os.link(handle.name, path)
        except OSError as error:
            if error.errno in (errno.EEXIST,):
                raise
            with open(path, "xb") as out:  # no hard links on this file system
                out.write(data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
