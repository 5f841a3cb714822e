"""The state of each partition's landing folders, for the landing sensor.

A partition's state is one hash over every entry of its folders (for a month: the absence and the staff
in post folder): each regular `<ORG>.csv` by content hash, every other entry by name and what it is.
Any change, a return to an earlier state or a deletion, changes the state; re-reading an unchanged
folder does not. Contents are hashed only when a file's size or mtime changed (the cursor keeps them),
and never from anything but a regular file opened without following links or blocking, so a FIFO, a
link to `/dev/zero` or an unreadable file is recorded as such and cannot hang or abort a tick.
"""

import hashlib
import os
import stat
from pathlib import Path

from ohwb_pipeline.ingest.landing import landing_entries
from ohwb_pipeline.ingest.read import ReadLimits

CHUNK = 1 << 20


def file_token(path: Path, limits: ReadLimits) -> str:
    """`sha256:<hex>` of a regular file, or a short reason it has none.

    Never follows a link, blocks, or reads past the size limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return f"unreadable:{exc.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not-regular"
        if info.st_size > limits.max_file_bytes:
            return f"too-large:{info.st_size}"
        digest = hashlib.sha256()
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
        return f"sha256:{digest.hexdigest()}"
    except OSError as exc:
        return f"unreadable:{exc.strerror}"
    finally:
        os.close(fd)


def folder_tokens(
    folder: Path, landing: Path, cache: dict[str, list], seen: dict[str, list], limits: ReadLimits
) -> list[str]:
    """One token per entry of `folder`; fills `seen` with the stamps of the regular files."""
    tokens = []
    for entry in landing_entries(folder):
        rel = entry.path.relative_to(landing).as_posix()
        if entry.status != "read":
            tokens.append(f"{rel}|{entry.status}")
            continue
        try:
            info = entry.path.lstat()
        except OSError as exc:
            tokens.append(f"{rel}|unreadable:{exc.strerror}")
            continue
        before = cache.get(rel)
        # Only a real hash is reused: a file unreadable last tick is tried again.
        unchanged = before and before[0] == info.st_mtime_ns and before[1] == info.st_size
        reuse = unchanged and before[2].startswith("sha256:")
        token = before[2] if reuse else file_token(entry.path, limits)
        seen[rel] = [info.st_mtime_ns, info.st_size, token]
        tokens.append(f"{rel}|{token}")
    return tokens


def state_hash(tokens: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(tokens)).encode()).hexdigest()
