"""A landing zone no file can break: 46 kinds of hostile entry beside good trusts."""

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings
from ohwb_pipeline.synth.hostile import corpus_kinds, write_hostile_corpus
from ohwb_pipeline_tests.conftest import SMALL_ORGS, read_table, synth_into
from ohwb_pipeline_tests.ingest.test_disclosure import _everything_written

MONTH = "2024-01"


def _run(root, instance) -> dg.ExecuteInProcessResult:
    from ohwb_pipeline.definitions import defs

    job = defs.resolve_job_def("absence_monthly")
    # A 1 MiB limit lets the test's small "oversized" file stand for the real 256 MiB one.
    settings = OhwbSettings(data_dir=str(root), max_file_mib=1)
    return job.execute_in_process(
        resources={"settings": settings}, partition_key=f"{MONTH}-01", instance=instance
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    clean = tmp_path_factory.mktemp("clean")
    hostile = tmp_path_factory.mktemp("hostile")
    for root in (clean, hostile):
        synth_into(root, last_month=MONTH)
    spare = pl.read_csv(SHIPPED_REFERENCE / "organisations.csv")["org_code"]
    spare = [o for o in spare if o not in SMALL_ORGS]
    written = write_hostile_corpus(hostile / "landing", MONTH, spare)
    home = tmp_path_factory.mktemp("dagster_home")
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        results = {"clean": _run(clean, instance), "hostile": _run(hostile, instance)}
    return clean, hostile, written, home, results


def test_the_corpus_has_at_least_40_kinds():
    assert len(corpus_kinds(0.01)) >= 40


def test_the_run_finishes_and_good_trusts_are_unchanged(corpus):
    clean, hostile, _, _, results = corpus
    assert results["hostile"].success
    for table, org in (("absence_benchmark", "ORG_CODE"), ("absence_by_reason", "org_code")):
        a = read_table(clean / "published" / table).filter(pl.col(org).is_in(SMALL_ORGS))
        b = read_table(hostile / "published" / table).filter(pl.col(org).is_in(SMALL_ORGS))
        assert a.sort(pl.all()).equals(b.sort(pl.all())), table


def test_every_entry_is_in_the_ingest_log_with_a_status_and_reason(corpus):
    _, hostile, written, _, _ = corpus
    logs = pl.concat(
        [read_table(hostile / "warehouse/ingest_log" / t) for t in ("absence_episodes", "staff_in_post")],
        how="diagonal_relaxed",
    )
    logged = {
        s.removeprefix("landing/"): row
        for s, *row in logs.select("source_file", "status", "error").iter_rows()
    }
    for kind, (entries, _) in written.items():
        assert entries, kind
        for entry in entries:
            assert entry in logged, f"{kind}: {entry} is not in the ingest log"
            status, error = logged[entry]
            assert status in {"ok", "partial", "unreadable", "refused", "ignored", "suspect_truncation"}
            if status not in {"ok", "partial"}:
                assert error, f"{kind}: {status} without a reason"
    by_kind = {kind: logged[entries[0]][0] for kind, (entries, _) in written.items()}
    assert by_kind["fifo"] == by_kind["symlink to /dev/zero"] == "refused"
    assert by_kind["symlink to a valid CSV outside landing"] == "refused"
    assert by_kind["upper-case extension"] == by_kind["sub-folder"] == by_kind["spreadsheet"] == "ignored"
    assert by_kind["BOM and CRLF (valid)"] == "ok"
    assert by_kind["a short line"] == by_kind["a long line"] == "partial"
    assert by_kind["cut mid-row"] == "suspect_truncation"
    assert by_kind["file over the size limit"] == by_kind["one huge field"] == "unreadable"


def test_a_ragged_line_is_quarantined_as_a_line(corpus):
    _, hostile, written, _, _ = corpus
    quarantine = read_table(hostile / "warehouse/quarantine/absence_episodes")
    for kind in ("a short line", "a long line"):
        [entry], _ = written[kind]
        rows = quarantine.filter(pl.col("source_file") == f"landing/{entry}")
        assert rows.select("line_number", "check").rows() == [(5, "well_formed_line")], kind


def test_no_raw_id_anywhere_under_the_data_dir_or_dagster_home(corpus):
    _, hostile, written, home, _ = corpus
    ids = [i for _, kind_ids in written.values() for i in kind_ids]
    assert len(ids) > 100
    texts = _everything_written(hostile) + "\n"
    texts += "\n".join(p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*") if p.is_file())
    leaked = [i for i in ids if i in texts]
    assert not leaked, f"{len(leaked)} raw ids written, e.g. {leaked[:5]}"
