"""Side documents made in a second process: the same bytes as in the report's own process,
the setting that turns it on or off, and the fallback when the worker fails."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carbon.core.errors import ConfigError
from carbon.report.render import html_to_pdf, lay_out
from carbon.workflow import write_site_report
from carbon.workflow.side_documents import (
    ENV_VARIABLE,
    make_side_documents,
    parallel_by_default,
    start_side_documents,
)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_second_process_writes_the_same_bytes(example_issued, tmp_path, monkeypatch):
    folder, serial = example_issued
    started = []

    def start(results, worker):
        started.append(start_side_documents(results, worker))
        return started[-1]

    monkeypatch.setattr("carbon.workflow.publish.start_side_documents", start)
    parallel = write_site_report(
        folder / "site.toml",
        "2023-11",
        tmp_path / "reports",
        status="issued",
        issue_date=datetime.fromisoformat(serial.results["issue_date"]).date(),
        parallel_documents=True,
    )
    assert [p.made_in for p in started] == ["worker"]
    expected, got = _files(serial.path), _files(parallel.path)
    assert sorted(got) == sorted(expected)
    assert any(name.startswith("tenants/") for name in got) or "operating-update.pdf" in got
    different = [name for name in expected if got[name] != expected[name]]
    assert different == []


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("1", True), (" 1 ", True)])
def test_the_setting_turns_the_worker_on_or_off(monkeypatch, value, expected):
    monkeypatch.setenv(ENV_VARIABLE, value)
    assert parallel_by_default() is expected


def test_without_the_setting_two_cpus_turn_it_on(monkeypatch):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert parallel_by_default() is True
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)
    assert parallel_by_default() is False


def test_a_bad_setting_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(ENV_VARIABLE, "yes")
    with pytest.raises(ConfigError, match=r"CARBON_PARALLEL_DOCUMENTS must be 0 .* got 'yes'"):
        parallel_by_default()


class _FailingWorker:
    """An executor whose task fails as a dead worker's would."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn, *args):
        self.submitted += 1
        future: Future = Future()
        future.set_exception(RuntimeError("worker process died"))
        return future


def test_a_failed_worker_is_replaced_by_this_process(example_issued):
    _, written = example_issued
    worker = _FailingWorker()
    pending = start_side_documents(written.results, worker)
    assert worker.submitted == 1
    with pytest.warns(RuntimeWarning, match="the worker failed: RuntimeError: worker process died"):
        made = pending.result()
    assert made == make_side_documents(written.results)
    assert pending.made_in.startswith("this process (the worker failed")


def test_layout_then_writing_gives_the_bytes_of_one_step():
    html = (
        '<html><head><link rel="stylesheet" href="report.css"></head><body><h1>T</h1></body></html>'
    )
    moment = datetime(2025, 8, 1, tzinfo=UTC)
    attachments = {"results.json": b"{}"}
    laid = lay_out(html, moment=moment)
    assert laid.page_count == 1
    assert laid.write(attachments) == html_to_pdf(html, moment=moment, attachments=attachments)
