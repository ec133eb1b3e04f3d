"""``carbon history``: the issued versions of a site, named by its site file, its id or the demo.

The versions and the state of the ledger's hash chain come from
:func:`carbon.ledger.history.site_history`; this names the site.
"""

from __future__ import annotations

from pathlib import Path

from carbon.ledger.history import History, site_history
from carbon.workflow.inputs import demo_site_id, site_file_id

__all__ = ["History", "read_history"]  # History: what read_history returns


def read_history(
    out: Path,
    *,
    site_file: Path | None = None,
    site_id: str | None = None,
    demo: bool = False,
) -> History:
    """The issued versions recorded under the report root `out` of one site: the one
    `site_file` declares, `site_id`, or the demo's (`demo`); the first given counts."""
    if site_file is not None:
        name = site_file_id(site_file)
    elif demo:
        name = demo_site_id()
    else:
        name = str(site_id)
    return site_history(out, name)
