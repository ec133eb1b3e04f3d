"""The serial blocks a new report version must not apply again (Scope 2 Quality Criterion 2).

Reads the issued-report ledgers under a report root through
:func:`carbon.ledger.index.prior_serial_uses`: every site's issued versions in force,
except the version a restatement replaces (its serials are claimed again by the
new version, not twice).
"""

from __future__ import annotations

from pathlib import Path

from carbon.accounting.serials import SerialUse
from carbon.ledger.index import prior_serial_uses


def prior_uses_for(
    root: Path, site_id: str, period_label: str, restate: bool
) -> tuple[SerialUse, ...]:
    """Serial uses of issued reports under `root` that a report of `site_id` and
    `period_label` must not overlap: other sites' in full, this site's other periods,
    and this period too unless it is being restated."""
    others = tuple(u for u in prior_serial_uses(root, None) if u.site_id != site_id)
    own = prior_serial_uses(root, site_id, period_label if restate else None)
    return (*others, *own)
