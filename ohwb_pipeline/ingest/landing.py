"""Every entry of a landing period folder, judged before anything is opened (docs/data-contracts.md).

An entry is read only when it is a regular file named `<ODS code>.csv` (upper-case code, lower-case
extension). Anything else is listed with a reason, so the ingest log accounts for every entry:
- refused: a file named like an extract that is not a regular file (a symlink, FIFO, device, socket);
- ignored: sub-folders, hidden, editor and backup files, other extensions, and names that are not an
  ODS code (`RXY.CSV`, `rxy.csv`, `R X Y.csv`).
"""

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

ORG_FILE = re.compile(r"^[A-Z0-9]{3,5}\.csv$")
# A national file keeps its publisher's name, spaces, commas and all: `NHS Sickness Absence benchmarking
# tool CSV, April 2024.csv`. Any visible `.csv` name that is not an editor or backup file is one.
NATIONAL_FILE = re.compile(r"^[^.~$#][^/]*\.csv$")
_BACKUP = re.compile(r"(~|\.bak|\.swp|\.swo|\.tmp|\.orig|\.part)$", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    status: str  # "read", "refused" or "ignored"
    reason: str | None = None

    @property
    def org_code(self) -> str | None:
        """The trust the entry speaks for: only an entry named exactly `<ODS code>.csv` does."""
        return self.name[:-4] if ORG_FILE.match(self.name) else None


def landing_entries(folder: Path, national: bool = False) -> list[Entry]:
    """Every entry of `folder`, sorted by name; nothing is opened or followed.

    `national`: the folder holds one national file for the period. Two or more readable files are all
    refused, since which one is the publication cannot be guessed; the month then has no national file."""
    if not folder.is_dir():
        return []
    entries = []
    with os.scandir(folder) as scan:
        for item in scan:
            entries.append(judge(Path(item.path), item.stat(follow_symlinks=False).st_mode, national))
    entries = sorted(entries, key=lambda e: e.name)
    readable = [e for e in entries if e.status == "read"]
    if national and len(readable) > 1:
        names = ", ".join(f"'{e.name}'" for e in readable)
        reason = f"{len(readable)} national files in one month's folder ({names}): keep exactly one"
        entries = [Entry(e.name, e.path, "refused", reason) if e.status == "read" else e for e in entries]
    return entries


def judge(path: Path, mode: int, national: bool = False) -> Entry:
    name = path.name
    pattern = NATIONAL_FILE if national else ORG_FILE
    if pattern.match(name) and not (national and _BACKUP.search(name)):
        if stat.S_ISREG(mode):
            return Entry(name, path, "read")
        return Entry(name, path, "refused", f"not a regular file: {kind_of(mode)}; never opened")
    reason = _ignored_reason(name, mode)
    if national and reason.startswith("not named"):
        reason = "not named like a national file (a visible name ending in lower-case .csv)"
    return Entry(name, path, "ignored", reason)


def kind_of(mode: int) -> str:
    """What a non-regular entry is, in words."""
    for test, label in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return label
    return "a special file"


def _ignored_reason(name: str, mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a sub-folder: extracts must sit directly in the period folder"
    if name.startswith("."):
        return "a hidden file"
    if _BACKUP.search(name) or name.startswith("~$") or name.startswith(".#"):
        return "an editor or backup file"
    if not name.lower().endswith(".csv"):
        return f"not a .csv file ({Path(name).suffix or 'no extension'})"
    return "not named <ODS code>.csv (upper-case code, lower-case .csv, no spaces): rename it to be read"
