"""The workflow stage: whole jobs, from a site's inputs to written, recorded documents.

One module per job: :mod:`~carbon.workflow.inputs` reads a site's data (a site file's or
the demo's), :mod:`~carbon.workflow.run` computes a period, :mod:`~carbon.workflow.compare`
adds the baseline and trend, :mod:`~carbon.workflow.publish` writes a version folder and its
ledger record, :mod:`~carbon.workflow.validate` checks a site's data,
:mod:`~carbon.workflow.verify` checks an issued PDF (with :mod:`~carbon.workflow.trust`: signing
keys, the signature, ledger checkpoints and repairs), :mod:`~carbon.workflow.history` lists a
site's issued versions, :mod:`~carbon.workflow.rollup` sums a fiscal period, and
:mod:`~carbon.workflow.fleet` (with :mod:`~carbon.workflow.fleet_site`,
:mod:`~carbon.workflow.pool` and :mod:`~carbon.workflow.scale`) reports many sites. These
modules sequence the stages below; they compute nothing themselves.

The names below are what the command line and other callers use.
"""

from __future__ import annotations

from carbon.workflow.fleet import Fleet, FleetRun, check_fleet_request, load_fleet, run_fleet
from carbon.workflow.history import read_history
from carbon.workflow.inputs import (
    SiteData,
    demo_period,
    demo_site_data,
    demo_site_id,
    site_data,
    site_file_id,
)
from carbon.workflow.publish import (
    WrittenReport,
    default_issue_date,
    parse_issue_date,
    write_demo_report,
    write_report,
    write_site_report,
)
from carbon.workflow.rollup import Rollup, write_rollup, write_site_rollup
from carbon.workflow.run import (
    PeriodRun,
    compute_demo,
    compute_site,
    run_demo_period,
    run_site_period,
)
from carbon.workflow.side_documents import parallel_by_default
from carbon.workflow.trust import ledger_checkpoint, missing_folders, new_keys, repair_ledger
from carbon.workflow.validate import Validation, validate_site
from carbon.workflow.verify import Verification, verify_pdf

__all__ = [
    "Fleet",
    "FleetRun",
    "PeriodRun",
    "Rollup",
    "SiteData",
    "Validation",
    "Verification",
    "WrittenReport",
    "check_fleet_request",
    "compute_demo",
    "compute_site",
    "default_issue_date",
    "demo_period",
    "demo_site_data",
    "demo_site_id",
    "ledger_checkpoint",
    "load_fleet",
    "missing_folders",
    "new_keys",
    "parallel_by_default",
    "parse_issue_date",
    "read_history",
    "repair_ledger",
    "run_demo_period",
    "run_fleet",
    "run_site_period",
    "site_data",
    "site_file_id",
    "validate_site",
    "verify_pdf",
    "write_demo_report",
    "write_report",
    "write_rollup",
    "write_site_report",
    "write_site_rollup",
]
