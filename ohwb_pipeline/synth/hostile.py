"""A corpus of hostile landing entries: what trusts' systems, hand edits and attackers put in a folder.

`write_hostile_corpus` writes one entry per kind into a month's absence and staff-in-post folders,
beside good trusts' files, using real ODS codes of trusts that are not among the good ones. Every kind
carries its own made-up employee ids (`HX...`), so a test can prove none of them reaches disk raw.
`scale` sizes the floods (blank lines, a huge field, an oversized file): 1.0 is the size the issue
measured (3 MB of blank lines, a 50 MiB field); tests use a small fraction.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ABSENCE_HEADER = "org_code,employee_id,staff_group,fte,reason_code,start_date,end_date"
STAFF_HEADER = "org_code,employee_id,staff_group,fte,start_date,end_date"


@dataclass(frozen=True)
class Kind:
    name: str
    extract: str  # "absence" or "staff_in_post"
    write: Callable[[Path, str, str], list[str]]  # (folder, org code, period) -> raw ids it used


def _ids(org: str, n: int = 3) -> list[str]:
    return [f"HX{org}{i:05d}" for i in range(n)]


def _rows(org: str, period: str, ids: list[str], absence: bool = True) -> list[str]:
    reason = ",S12" if absence else ""
    return [f"{org},{i},Managers,1.0{reason},{period}-02,{period}-05" for i in ids]


def _csv(path: Path, lines: list[str], end: str = "\n") -> None:
    path.write_text(end.join(lines) + end)


def _good(folder: Path, org: str, period: str, extract: str, **kw) -> list[str]:
    ids = _ids(org)
    header = ABSENCE_HEADER if extract == "absence" else STAFF_HEADER
    _csv(folder / f"{org}.csv", [header, *_rows(org, period, ids, extract == "absence")], **kw)
    return ids


def _body(org: str, period: str) -> tuple[list[str], list[str]]:
    ids = _ids(org)
    return ids, [ABSENCE_HEADER, *_rows(org, period, ids)]


def _write_bytes(name: str, content: Callable[[str, str], bytes]):
    def write(folder: Path, org: str, period: str) -> list[str]:
        ids, lines = _body(org, period)
        (folder / _named(name, org)).write_bytes(content(org, "\n".join(lines) + "\n"))
        return ids

    return write


def _lines(transform: Callable[[list[str], list[str]], list[str]], name: str = "{org}.csv"):
    def write(folder: Path, org: str, period: str) -> list[str]:
        ids, lines = _body(org, period)
        (folder / _named(name, org)).write_text("\n".join(transform(lines, ids)) + "\n")
        return ids

    return write


def _named(name: str, org: str) -> str:
    return name.format(org=org, org_lower=org.lower())


def _symlink(target: Callable[[Path], str]):
    def write(folder: Path, org: str, period: str) -> list[str]:
        (folder / f"{org}.csv").symlink_to(target(folder))
        return []

    return write


def _outside_csv(folder: Path) -> str:
    outside = folder.parents[2] / "outside_landing.csv"
    _, lines = _body("OUT", "2024-01")
    outside.write_text("\n".join(lines) + "\n")
    return str(outside)


def _fifo(folder: Path, org: str, period: str) -> list[str]:
    os.mkfifo(folder / f"{org}.csv")
    return []


def _subfolder_named_csv(folder: Path, org: str, period: str) -> list[str]:
    inner = folder / f"{org}.csv"
    inner.mkdir()
    return _good(inner, org, period, "absence")


def _subfolder(folder: Path, org: str, period: str) -> list[str]:
    inner = folder / "resubmission"
    inner.mkdir()
    return _good(inner, org, period, "absence")


def corpus_kinds(scale: float) -> list[Kind]:
    flood = max(int(3_000_000 * scale), 1000)
    field = max(int(50 * 1024 * 1024 * scale), 100_000)
    oversize = max(int(300 * 1024 * 1024 * scale), 2_000_000)
    swapped = (
        ABSENCE_HEADER.replace("employee_id", "X")
        .replace("staff_group", "employee_id")
        .replace("X", "staff_group")
    )
    kinds = [
        Kind("fifo", "absence", _fifo),
        Kind("symlink to /dev/zero", "absence", _symlink(lambda f: "/dev/zero")),
        Kind("symlink to a valid CSV outside landing", "absence", _symlink(_outside_csv)),
        Kind("symlink to /etc/passwd", "staff_in_post", _symlink(lambda f: "/etc/passwd")),
        Kind("symlink to a folder", "absence", _symlink(lambda f: str(f.parent))),
        Kind("dangling symlink", "absence", _symlink(lambda f: str(f / "does-not-exist.csv"))),
        Kind("sub-folder named like a file", "absence", _subfolder_named_csv),
        Kind("sub-folder", "absence", _subfolder),
        Kind(
            "blank-line flood", "absence", _write_bytes("{org}.csv", lambda o, t: t.encode() + b"\n" * flood)
        ),
        Kind(
            "one huge field",
            "absence",
            _write_bytes(
                "{org}.csv", lambda o, t: t.encode() + f"{o},HX{o}big,".encode() + b"x" * field + b"\n"
            ),
        ),
        Kind(
            "file over the size limit",
            "staff_in_post",
            _write_bytes("{org}.csv", lambda o, t: (t * (oversize // len(t) + 1))[:oversize].encode()),
        ),
        Kind("empty file", "absence", _write_bytes("{org}.csv", lambda o, t: b"")),
        Kind(
            "header only", "absence", _write_bytes("{org}.csv", lambda o, t: (ABSENCE_HEADER + "\n").encode())
        ),
        Kind("binary junk", "absence", _write_bytes("{org}.csv", lambda o, t: bytes(range(256)) * 40)),
        Kind(
            "a latin-1 byte",
            "absence",
            _write_bytes("{org}.csv", lambda o, t: t.encode().replace(b"Managers", b"Manag\xe9rs", 1)),
        ),
        Kind("UTF-16", "absence", _write_bytes("{org}.csv", lambda o, t: t.encode("utf-16"))),
        Kind(
            "BOM and CRLF (valid)",
            "absence",
            _write_bytes("{org}.csv", lambda o, t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode()),
        ),
        Kind(
            "mixed CRLF and LF (valid)",
            "absence",
            _write_bytes("{org}.csv", lambda o, t: t.replace("\n", "\r\n", 2).encode()),
        ),
        Kind(
            "semicolon delimiter", "absence", _lines(lambda ls, ids: [line.replace(",", ";") for line in ls])
        ),
        Kind("tab delimiter", "absence", _lines(lambda ls, ids: [line.replace(",", "\t") for line in ls])),
        Kind(
            "missing required column",
            "absence",
            _lines(lambda ls, ids: [",".join(line.split(",")[:-2]) for line in ls]),
        ),
        Kind("swapped id and staff group labels", "absence", _lines(lambda ls, ids: [swapped, *ls[1:]])),
        Kind("an id in every other column", "absence", _lines(_ids_everywhere)),
        Kind(
            "ids inside free text",
            "absence",
            _lines(
                lambda ls, ids: [
                    *ls,
                    *(f"{ls[1].split(',')[0]},{i},Managers {i} on leave,1.0,S12,2024-01-02," for i in ids),
                ]
            ),
        ),
        Kind("a short line", "absence", _lines(lambda ls, ids: [*ls, ",".join(ls[1].split(",")[:-2])])),
        Kind("a long line", "absence", _lines(lambda ls, ids: [*ls, ls[1] + ",extra,fields"])),
        Kind(
            "unterminated quote",
            "absence",
            _lines(lambda ls, ids: [*ls, ls[1].replace("Managers", '"Managers')]),
        ),
        Kind(
            "newline inside a quoted field",
            "absence",
            _lines(lambda ls, ids: [*ls, ls[1].replace("Managers", '"Mana\ngers"')]),
        ),
        Kind("cut mid-row", "absence", _write_bytes("{org}.csv", lambda o, t: t.encode()[:-9])),
        Kind("upper-case extension", "absence", _lines(lambda ls, ids: ls, "{org}.CSV")),
        Kind("lower-case name", "absence", _lines(lambda ls, ids: ls, "{org_lower}.csv")),
        Kind("name with spaces", "absence", _lines(lambda ls, ids: ls, "{org} copy.csv")),
        Kind("backup file", "absence", _lines(lambda ls, ids: ls, "{org}.csv.bak")),
        Kind("spreadsheet", "absence", _write_bytes("{org}.xlsx", lambda o, t: b"PK\x03\x04" + t.encode())),
        Kind("editor swap file", "absence", _lines(lambda ls, ids: ls, ".{org}.csv.swp")),
        Kind("office lock file", "absence", _lines(lambda ls, ids: ls, "~${org}.csv")),
        Kind("hidden file", "staff_in_post", _lines(lambda ls, ids: ls, ".DS_Store")),
        Kind("no extension", "absence", _lines(lambda ls, ids: ls, "{org}")),
        Kind(
            "rows for another trust",
            "absence",
            _lines(lambda ls, ids: [ls[0], *(line.replace(line.split(",")[0], "RJ1", 1) for line in ls[1:])]),
        ),
        Kind("a name that is not a trust", "absence", _lines(lambda ls, ids: ls, "XQZ99.csv")),
        Kind("duplicate rows", "absence", _lines(lambda ls, ids: [*ls, *ls[1:]])),
        Kind(
            "every row rejected",
            "staff_in_post",
            _lines(
                lambda ls, ids: [
                    STAFF_HEADER,
                    *(",".join([*line.split(",")[:3], "0", *line.split(",")[5:]]) for line in ls[1:]),
                ]
            ),
        ),
        Kind(
            "a thousand extra columns",
            "absence",
            _lines(
                lambda ls, ids: [
                    ls[0] + "".join(f",x{i}" for i in range(1000)),
                    *(line + "," * 1000 for line in ls[1:]),
                ]
            ),
        ),
        Kind(
            "NUL bytes mid-file",
            "absence",
            _write_bytes("{org}.csv", lambda o, t: t.encode() + b"\x00" * 10 + b"\n"),
        ),
        Kind(
            "control characters and formulas",
            "absence",
            _lines(lambda ls, ids: [*ls, ls[1].replace("Managers", "=cmd|' /C calc'!A0\x07")]),
        ),
        Kind(
            "NULL and NaN words",
            "absence",
            _lines(lambda ls, ids: [*ls, ls[1].replace("1.0", "NaN").replace(ls[1].split(",")[-1], "NULL")]),
        ),
    ]
    return kinds


def _ids_everywhere(lines: list[str], ids: list[str]) -> list[str]:
    out = [lines[0]]
    row = lines[1].split(",")
    for column in (0, 2, 3, 4, 5, 6):
        bad = list(row)
        bad[column] = ids[column % len(ids)]
        out.append(",".join(bad))
    return out


def write_hostile_corpus(landing: Path, period: str, orgs: list[str], scale: float = 0.02) -> dict[str, list]:
    """Write every kind into `landing/<extract>/<period>/`, one real ODS code each from `orgs`.

    Returns {kind: [entry name, raw ids used]}.
    """
    kinds = corpus_kinds(scale)
    if len(orgs) < len(kinds):
        raise ValueError(f"need {len(kinds)} spare ODS codes, got {len(orgs)}")
    written = {}
    for kind, org in zip(kinds, orgs, strict=False):
        folder = landing / kind.extract / period
        folder.mkdir(parents=True, exist_ok=True)
        before = {p.name for p in folder.iterdir()}
        ids = kind.write(folder, org, period)
        new = sorted({p.name for p in folder.iterdir()} - before)
        written[kind.name] = [f"{kind.extract}/{period}/{n}" for n in new], ids
    return written
