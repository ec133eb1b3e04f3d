"""Serials applied in an issued report are refused in any later report under the same root."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from carbon.accounting.serials import SerialUse
from carbon.core.errors import SerialOverlapError
from carbon.ledger.index import append_entry, ledger_path, serial_use_to_dict
from carbon.ledger.prior_uses import prior_uses_for
from carbon.site.instruments import SerialRange
from carbon.workflow import write_demo_report
from tests.conftest import copy_reports

CDT = timezone(timedelta(hours=-5))


def _issued(root: Path, site_id: str, period: str, uses: list[SerialUse]) -> None:
    append_entry(
        ledger_path(root, site_id),
        {
            "report_id": f"{site_id}-{period}-v1",
            "site_id": site_id,
            "period": period,
            "version": 1,
            "status": "issued",
            "supersedes": None,
            "serial_uses": [serial_use_to_dict(u) for u in uses],
        },
    )


def _use(site_id: str, instrument: str, first: int, last: int) -> SerialUse:
    return SerialUse(
        instrument_id=instrument,
        site_id=site_id,
        consumption_start=datetime(2025, 7, 1, tzinfo=CDT),
        consumption_end=datetime(2025, 8, 1, tzinfo=CDT),
        serials=SerialRange("ERCOT REC program (synthetic)", "DEMO-WND-2025-", first, last, 6),
    )


def test_prior_uses_for_keeps_other_sites_and_drops_the_restated_period(tmp_path: Path) -> None:
    _issued(tmp_path, "west", "2025-07", [_use("west", "w-1", 1, 10)])
    _issued(tmp_path, "demo", "2025-07", [_use("demo", "d-1", 11, 20)])
    _issued(tmp_path, "demo", "2025-06", [_use("demo", "d-0", 21, 30)])
    ids = {u.instrument_id for u in prior_uses_for(tmp_path, "demo", "2025-07", restate=False)}
    assert ids == {"w-1", "d-1", "d-0"}
    ids = {u.instrument_id for u in prior_uses_for(tmp_path, "demo", "2025-07", restate=True)}
    assert ids == {"w-1", "d-0"}  # the restated version's own claim is replaced, not prior
    ids = {u.instrument_id for u in prior_uses_for(tmp_path, "west", "2025-07", restate=True)}
    assert ids == {"d-1", "d-0"}


def test_serials_issued_at_another_site_are_refused_naming_both_uses(tmp_path: Path) -> None:
    """The demo's July wind certificates (serials 000001-006000) were already claimed in an
    issued report of site 'west' (serials 005001-005100): the demo report is refused."""
    _issued(tmp_path, "west", "2025-07", [_use("west", "west-recs", 5001, 5100)])
    with pytest.raises(SerialOverlapError) as err:
        write_demo_report(tmp_path, "2025-07", baseline="none")
    text = str(err.value)
    assert "'west-recs' at site 'west'" in text
    assert "'rec-wind-2025-07' at site 'demo'" in text
    assert "DEMO-WND-2025-005001" in text
    assert not (tmp_path / "demo" / "2025-07").exists()


def test_an_issued_demo_period_can_be_restated_and_a_later_month_issued(
    demo_restated, tmp_path: Path
) -> None:
    # July 2025 issued, then restated: a copy of the session's (tests/conftest.py)
    _, restated = demo_restated
    root = copy_reports(restated, tmp_path / "reports").path.parents[2]
    assert [p.name for p in sorted((root / "demo" / "2025-07").iterdir())] == ["v1", "v2"]
    written = write_demo_report(root, "2025-08", status="issued", baseline="none")
    assert written.results["status"] == "issued"


def test_a_claim_issued_while_this_run_computed_is_refused_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent run (e.g. another site of a --workers fleet) issues the same certificates
    after this run read the ledger and before it issues: the check under the ledger lock
    refuses it, naming both uses, and writes nothing."""
    import carbon.workflow.publish as publish
    import carbon.workflow.run as period_run

    real = period_run.prior_uses_for
    calls: list[int] = []

    def ledger_read_before_the_other_run_issued(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the pipeline's read, before the other run issued
            _issued(tmp_path, "west", "2025-07", [_use("west", "west-recs", 5001, 5100)])
            return ()
        return real(*args, **kwargs)

    # the pipeline's read (run) and the check under the ledger lock (publish)
    monkeypatch.setattr(period_run, "prior_uses_for", ledger_read_before_the_other_run_issued)
    monkeypatch.setattr(publish, "prior_uses_for", ledger_read_before_the_other_run_issued)
    with pytest.raises(SerialOverlapError) as err:
        write_demo_report(tmp_path, "2025-07", status="issued", baseline="none")
    assert len(calls) == 2
    assert "'west-recs' at site 'west'" in str(err.value)
    assert "'rec-wind-2025-07' at site 'demo'" in str(err.value)
    assert not (tmp_path / "demo" / "2025-07").exists()
