"""Output files of the CLI: checked before the work starts, written atomically.

Errors are one paragraph naming the path (:class:`~scenarios.errors.OutputError`, exit 2) instead of
a crash.

* :func:`check_file` / :func:`check_folder`: refuse an ``--out`` that is a folder (or a file
  where a folder is expected), an existing file without ``--force``, and a folder that cannot
  be created or written (probed with a real temporary file: permission bits say nothing when
  running as root, and read-only mounts only show on write).
* :func:`write_text` / :func:`write_bytes` / :func:`atomic_path`: write to a temporary file in
  the same folder, then :func:`os.replace` it into place, so a reader never sees half a file
  and a failed write leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scenarios.errors import OutputError, shown_path


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    return exc.strerror or str(exc)


def _error(path: Path, what: str, exc: OSError, option: str) -> OutputError:
    fix = path.parent if what.startswith("write") else path
    return OutputError(f"cannot {what} {shown_path(path)}: {_reason(exc)}. Choose a folder you can write "
                       f"with {option}, or fix the permissions of {shown_path(fix)}.")


def _probe(folder: Path, option: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".probe-", dir=folder)
    except OSError as exc:
        raise _error(folder, "write into the folder", exc, option) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _make_folder(folder: Path, option: str) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {shown_path(folder)} is a file, not a folder: give a folder name "
                          "(it is created when missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot create the folder {shown_path(folder)}: a part of the path is a file") from None
    except OSError as exc:
        raise _error(folder, "create the folder", exc, option) from None


def check_folder(folder: Path, option: str = "--out") -> Path:
    """Create ``folder`` if needed and make sure a file can be written in it."""
    _make_folder(folder, option)
    _probe(folder, option)
    return folder


def check_file(path: Path, *, force: bool = False, option: str = "--out") -> Path:
    """Make sure ``path`` can be written as a file.

    Not a folder, not an existing file unless ``force``, and its folder exists (created) and is
    writable.
    """
    if path.is_dir():
        raise OutputError(f"{option} {shown_path(path)} is a folder: give a file name such as "
                          f"{shown_path(path / 'report.html')}")
    if path.exists() and not force:
        raise OutputError(f"{option} {shown_path(path)} exists: use --force to overwrite it, or choose another name")
    check_folder(path.parent if str(path.parent) else Path("."), option)
    return path


@contextlib.contextmanager
def atomic_path(path: Path, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step."""
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _error(path, "write", exc, option) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise _error(path, "write", exc, option) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_text(path: Path, text: str, option: str = "--out") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path, option) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: Path, data: bytes, option: str = "--out") -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path, option) as tmp:
        tmp.write_bytes(data)
    return path
