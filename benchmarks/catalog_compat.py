"""`make catalog-compat`: open the pipeline's DuckDB catalog with older DuckDB releases.

BI tools reach DuckDB through ODBC/JDBC drivers and connectors that lag the newest release, so
`published/ohwb.duckdb` is written in the v1.0.0 storage format (core/catalog.py). This harness proves
it: it installs each older `duckdb` wheel from PyPI into its own throwaway virtual environment under the
temp dir (kept there, so a second run and the pytest check reuse it), builds a catalog with the real
`absence_monthly` job on a small generated month (or takes `--catalog PATH`), and has each old client
attach it read-only and fetch every row of every view and table. Each must see the same objects, row
counts and columns as the pinned duckdb. Exit status 1 when any client fails.

`make test` never downloads: `ohwb_pipeline_tests/catalog/test_catalog_compat.py` runs the same check
with whichever of these environments exists and is skipped, saying why, for the others.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# 1.0.0: the oldest release that reads the v1.0.0 format (storage number 64); 1.1.3: the last 1.1,
# still common in BI connectors; 1.4.4: the 1.4 LTS.
CLIENTS = ("1.0.0", "1.1.3", "1.4.4")
ENV_ROOT = Path(tempfile.gettempdir()) / "ohwb-catalog-compat"

# Runs inside the old client's interpreter, so it may use only that release's duckdb and the stdlib.
PROBE = r"""
import json, sys
import duckdb
try:
    con = duckdb.connect()
    con.execute("ATTACH '" + sys.argv[1].replace("'", "''") + "' AS ohwb (READ_ONLY)")
    names = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = 'ohwb' AND NOT internal "
        "UNION ALL SELECT table_name FROM duckdb_tables() WHERE database_name = 'ohwb' ORDER BY 1"
    ).fetchall()]
    objects = {}
    for name in names:
        query = 'SELECT * FROM ohwb."' + name + '"'
        columns = [[r[0], r[1]] for r in con.execute("DESCRIBE " + query).fetchall()]
        objects[name] = {"rows": len(con.execute(query).fetchall()), "columns": columns}
    print(json.dumps({"duckdb": duckdb.__version__, "objects": objects}))
except Exception as error:
    print(json.dumps({"duckdb": duckdb.__version__, "error": " ".join(str(error).split())}))
"""


def client_python(version: str) -> Path:
    return ENV_ROOT / f"duckdb-{version}" / "bin" / "python"


def client_installed(version: str) -> bool:
    # The marker is written only after pip succeeded, so a half-made environment counts as absent.
    return (ENV_ROOT / f"duckdb-{version}" / ".installed").exists()


def install_client(version: str) -> None:
    """A virtual environment holding only `duckdb==version` (from PyPI), unless one is already there."""
    if client_installed(version):
        return
    env = ENV_ROOT / f"duckdb-{version}"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(env)], check=True)
    done = subprocess.run(
        [str(env / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"duckdb=={version}"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"pip could not install duckdb=={version}:\n{done.stdout}{done.stderr}")
    (env / ".installed").write_text(version + "\n")


def probe(python: Path | str, catalog: Path) -> dict:
    """What the DuckDB of `python` sees in `catalog`: its version, and rows and columns of every object."""
    done = subprocess.run([str(python), "-c", PROBE, str(catalog)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output")
    seen = json.loads(done.stdout)
    if "error" in seen:
        raise RuntimeError(seen["error"])
    return seen


def compare(reference: dict, seen: dict) -> list[str]:
    """Differences between what the pinned duckdb and an old client see (empty when they agree)."""
    problems = []
    want, got = reference["objects"], seen["objects"]
    if set(want) != set(got):
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        problems.append(f"objects differ: missing {missing}, extra {extra}")
    for name in sorted(set(want) & set(got)):
        if want[name]["rows"] != got[name]["rows"]:
            problems.append(f"{name}: {got[name]['rows']} rows, expected {want[name]['rows']}")
        if want[name]["columns"] != got[name]["columns"]:
            problems.append(f"{name}: columns {got[name]['columns']}, expected {want[name]['columns']}")
    return problems


def check(catalog: Path, version: str) -> list[str]:
    """Open `catalog` with the installed DuckDB `version`; the differences from the pinned duckdb."""
    reference = probe(sys.executable, catalog)
    try:
        seen = probe(client_python(version), catalog)
    except RuntimeError as error:
        return [f"could not read the catalog: {error}"]
    if seen["duckdb"] != version:
        return [f"the environment runs duckdb {seen['duckdb']}, not {version}"]
    return compare(reference, seen)


def build_catalog(root: Path) -> Path:
    """A catalog published by the real `absence_monthly` job: two trusts, one small month."""
    os.environ.setdefault("OHWB_PSEUDO_KEY", "catalog-compat-key")
    from ohwb_pipeline.core.catalog import CATALOG_FILE
    from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings
    from ohwb_pipeline.definitions import defs
    from ohwb_pipeline.reference.expected import write_expected_submitters
    from ohwb_pipeline.synth.generate import SynthConfig, generate

    summary = generate(
        SynthConfig(
            out=root / "landing", first_month="2024-03", last_month="2024-03",
            reference_dir=SHIPPED_REFERENCE, orgs=["RJ1", "RN7"], size_factor=0.02,
        )
    )  # fmt: skip
    write_expected_submitters(root / "config", summary.orgs)
    job = defs.resolve_job_def("absence_monthly")
    result = job.execute_in_process(
        resources={"settings": OhwbSettings(data_dir=str(root))},
        tags={"dagster/partition": "2024-03-01"},
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},  # not every DEBUG event
    )
    if not result.success:
        raise SystemExit("absence_monthly failed: no catalog to check")
    return root / "published" / CATALOG_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, help="check this ohwb.duckdb instead of building one")
    parser.add_argument("--versions", nargs="+", default=list(CLIENTS), help="DuckDB releases to try")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ohwb-compat-") as work:
        started = time.monotonic()
        catalog = args.catalog.resolve() if args.catalog else build_catalog(Path(work))
        objects = probe(sys.executable, catalog)["objects"]
        built = time.monotonic() - started
        print(f"catalog {catalog}: {len(objects)} views and tables (built in {built:.0f} s)")
        failed = 0
        for version in args.versions:
            started = time.monotonic()
            install_client(version)
            problems = check(catalog, version)
            verdict = "opened it, every view read, same rows and columns" if not problems else "FAILED"
            print(f"  duckdb {version:<6} {verdict} ({time.monotonic() - started:.0f} s)")
            for problem in problems:
                print(f"      {problem}")
            failed += bool(problems)
        print(f"client environments: {ENV_ROOT} (delete it to reinstall)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
