"""Ingest: read sources into unit-carrying, interval-start UTC objects.

One module per source family. Every reader returns data with pint units and an
:class:`InputRecord` (hash, rows, time span) for the manifest.
"""

from carbon.core.lineage import InputRecord

__all__ = ["InputRecord"]
