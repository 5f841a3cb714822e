"""Atomic directory swaps and durable small writes.

Linux's `renameat2(RENAME_EXCHANGE)` swaps two directories in one step, so a reader globbing a table
sees the old partition or the new one, never neither and never both. Where the call is missing (not
Linux, old glibc, a filesystem without it) the swap falls back to two renames, which leaves a gap of
microseconds in which the partition is absent; `exchange_supported()` says which one is in use.
"""

import contextlib
import ctypes
import errno
import os
import uuid
from pathlib import Path

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def _load_renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_renameat2 = _load_renameat2()


def _call(source: Path, target: Path, flags: int) -> None:
    if _renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    if _renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(source), None, str(target))


def exchange_supported(folder: Path) -> bool:
    """Whether `folder`'s filesystem swaps directories atomically."""
    probe = folder / f".exchange-probe-{uuid.uuid4().hex}"
    a, b = probe.with_suffix(".a"), probe.with_suffix(".b")
    try:
        a.mkdir(parents=True)
        b.mkdir()
        _call(a, b, _RENAME_EXCHANGE)
        return True
    except OSError:
        return False
    finally:
        for path in (a, b):
            with contextlib.suppress(OSError):
                path.rmdir()


def swap_in(new: Path, target: Path) -> bool:
    """Put directory `new` at `target`. Returns True when an old `target` was swapped out to `new`
    (the caller deletes it), False when `target` did not exist (then `new` no longer exists)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        try:
            _call(new, target, _RENAME_NOREPLACE)
            return False
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOSYS, errno.EINVAL, errno.ENOTEMPTY):
                raise
            if exc.errno in (errno.ENOSYS, errno.EINVAL):
                return _swap_with_two_renames(new, target)
        try:
            _call(new, target, _RENAME_EXCHANGE)
            return True
        except OSError as exc:
            if exc.errno != errno.ENOENT:  # target vanished between the two calls: try again
                raise
    raise OSError(errno.EBUSY, f"could not swap {target}: it kept changing")


def _swap_with_two_renames(new: Path, target: Path) -> bool:
    aside = new.with_name(new.name + ".old")
    existed = target.exists()
    if existed:
        os.replace(target, aside)
    os.replace(new, target)
    if existed:
        os.replace(aside, new)
    return existed


def write_durably(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all, and make the rename survive a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
