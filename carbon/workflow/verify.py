"""``carbon verify``: check an issued PDF against itself, the ledger and (optionally) its inputs.

Checks, in order (each is reported; the PDF holds when none fails):

1. the PDF parses and embeds ``results.json``, ``results.csv`` and ``manifest.json``;
   the JSON files parse and the CSV has the documented header;
2. the embedded results hash to the SHA-256 values the manifest records, and the
   manifest names the same report (id, version, status, issue date, site, period);
3. the ledger index (``<root>/ledger.sqlite`` above the PDF's
   ``<site>/<period>/v<N>/`` folder, or ``--ledger``) has an intact hash chain and
   a row for the report whose PDF SHA-256 equals the file's: a changed byte
   anywhere in the file fails here. Without a ledger, or for a draft (drafts are
   not recorded), this is reported as not checked;
4. the files in the version folder next to the PDF, where present, are the
   embedded ones byte for byte, and the tenant statements (``tenants/*.pdf``) hash
   to the SHA-256 values the manifest records (the manifest is covered by the
   ledger through the PDF's hash);
5. with inputs (a site folder holding ``site.toml``, or the demo, whose inputs
   are generated), the period is computed again: every figure of results.json
   is compared (relative tolerance 1e-9) and every input's SHA-256 against the
   manifest, and the report HTML is rendered again and hashed against the
   manifest's ``rendered_html_sha256``;
6. the signature (``--public-key``), the ledger head recorded at issue, and a published
   checkpoint (``--checkpoint``): :mod:`carbon.workflow.trust`.

Besides, the disclosure is rendered again from its embedded data alone and compared with
the file, byte for byte or, when other software wrote it, page text against page text
(:mod:`carbon.workflow.verify_pages`); with recomputation, also from the recomputed data.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from carbon.core.errors import ConfigError
from carbon.core.lineage import file_sha256
from carbon.core.period import month
from carbon.ledger.index import (
    IDENTITY_KEYS,
    diff_figures,
    entries_for,
    find_ledger,
    read_ledger,
    sha256_hex,
    superseded_by,
    verify_chain,
)
from carbon.ledger.signing import embedded_names
from carbon.report.disclosure import report_context
from carbon.report.render import render_html
from carbon.results.document import ReportMeta, build_results
from carbon.workflow.compare import extend_results, requested_baseline
from carbon.workflow.inputs import demo_period, demo_site_data, site_data
from carbon.workflow.pdf_pages import quiet_pypdf
from carbon.workflow.trust import recorded_for_render, trust_checks
from carbon.workflow.verify_exports import export_checks
from carbon.workflow.verify_pages import PageFinding, check_pages, check_recomputed_pages

EMBEDDED = ("results.json", "results.csv", "manifest.json", "render-series.json")
CSV_HEADER = ["site_id", "period", "metric", "workload", "value", "unit"]

__all__ = ["Check", "Verification", "verify_pdf"]


@dataclass(frozen=True)
class Check:
    """One check: ``ok`` is True (holds), False (fails) or None (not checked, with why)."""

    name: str
    ok: bool | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Verification:
    """Everything ``verify`` found about one PDF."""

    pdf: Path
    sha256: str
    report_id: str | None = None
    ledger: Path | None = None
    checks: list[Check] = field(default_factory=list)
    differing_figures: list[dict[str, Any]] = field(default_factory=list)
    differing_inputs: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: pages that differ from the disclosure rendered again: page, section, problem
    differing_pages: list[dict[str, Any]] = field(default_factory=list)
    #: how the pages were compared: "bytes", "text", or None (not compared)
    page_check: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    def add(self, name: str, ok: bool | None, detail: str) -> bool | None:
        self.checks.append(Check(name, ok, detail))
        return ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "pdf": str(self.pdf),
            "sha256": self.sha256,
            "report_id": self.report_id,
            "ledger": None if self.ledger is None else str(self.ledger),
            "ok": self.ok,
            "checks": [c.as_dict() for c in self.checks],
            "differing_figures": self.differing_figures,
            "differing_inputs": self.differing_inputs,
            "notes": self.notes,
            "differing_pages": self.differing_pages,
            "page_check": self.page_check,
        }

    def add_pages(self, name: str, finding: PageFinding) -> None:
        """A page check (:mod:`carbon.workflow.verify_pages`) and the pages it names."""
        self.add(name, finding.ok, finding.detail)
        self.page_check = self.page_check or finding.method
        self.differing_pages.extend(finding.problems)
        self.notes.extend(finding.notes)


def _read_pdf(data: bytes) -> tuple[dict[str, bytes], list[str]]:
    """The PDF's embedded files (name → bytes) and the streams that fail to decode.

    Every ``FlateDecode`` stream is inflated with zlib directly (pypdf forgives
    damaged streams; zlib checks each stream's Adler-32), so a changed byte inside
    any compressed stream shows even where no ledger is at hand. Raises whatever
    pypdf raises on a file it cannot parse.
    """
    # pypdf is imported here, for start-up time: only verify reads PDFs
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject, StreamObject

    damaged = []
    files = {}
    with quiet_pypdf():
        reader = PdfReader(io.BytesIO(data))
        for generation, numbers in sorted(reader.xref.items()):
            for number in sorted(numbers):
                obj = reader.get_object(IndirectObject(number, generation, reader))
                if not isinstance(obj, StreamObject) or obj.get("/Filter") != "/FlateDecode":
                    continue
                try:
                    zlib.decompress(obj._data)
                except zlib.error as exc:
                    damaged.append(f"object {number} {generation}: {exc}")
        for name, contents in reader.attachments.items():
            if contents:
                files[name] = contents[0]
    return files, damaged


def _parse_embedded(found: Verification, files: dict[str, bytes]) -> tuple[dict, dict] | None:
    missing = [n for n in EMBEDDED if n not in files]
    if missing:
        found.add("embedded files", False, f"the PDF does not embed {', '.join(missing)}")
        return None
    try:
        results = json.loads(files["results.json"])
        manifest = json.loads(files["manifest.json"])
        rows = list(csv.reader(io.StringIO(files["results.csv"].decode("utf-8"))))
    except (ValueError, UnicodeDecodeError) as exc:
        found.add("embedded files", False, f"an embedded file does not parse: {exc}")
        return None
    if not isinstance(results, dict) or not isinstance(manifest, dict):
        found.add("embedded files", False, "results.json or manifest.json is not a JSON object")
        return None
    if not rows or rows[0] != CSV_HEADER:
        found.add("embedded files", False, f"results.csv header is not {','.join(CSV_HEADER)}")
        return None
    found.add("embedded files", True, "results.json, results.csv and manifest.json parse")
    return results, manifest


def _check_hashes(found: Verification, files: dict[str, bytes], manifest: dict) -> None:
    recorded = manifest.get("results") or {}
    bad = []
    for name in ("results.json", "results.csv"):
        actual = sha256_hex(files[name])
        if recorded.get(name) != actual:
            bad.append(f"{name}: manifest {recorded.get(name)}, embedded file {actual}")
    if bad:
        found.add("results hashes", False, "SHA-256 mismatch: " + "; ".join(bad))
    else:
        found.add("results hashes", True, "embedded results match the manifest's SHA-256")


def _check_identity(found: Verification, results: dict, manifest: dict) -> None:
    pairs = [(k, results.get(k), manifest.get(k)) for k in IDENTITY_KEYS]
    pairs.append(("site_id", (results.get("site") or {}).get("id"), manifest.get("site_id")))
    pairs.append(("period", results.get("period"), manifest.get("period")))
    bad = [f"{k}: results {a!r}, manifest {b!r}" for k, a, b in pairs if a != b]
    if bad:
        found.add("manifest identity", False, "; ".join(bad))
    else:
        found.add("manifest identity", True, "results and manifest name the same report")


def _check_chain(found: Verification, path: Path) -> None:
    problems = verify_chain(path)
    if problems:
        found.add("ledger chain", False, "; ".join(problems[:5]))
    else:
        found.add("ledger chain", True, f"every row of {path.name} links by SHA-256 to the last")


def _check_ledger(
    found: Verification,
    pdf: Path,
    ledger: Path | None,
    results_sha: str,
    report_id: str,
    status: str | None = None,
) -> None:
    path = ledger if ledger is not None else find_ledger(pdf)
    if path is None:
        found.add(
            "ledger",
            None,
            "no ledger found (looked for ledger.sqlite three folders above the PDF's; pass "
            "--ledger FILE): the PDF's SHA-256 was not checked against what was issued",
        )
        return
    found.ledger = path
    _check_chain(found, path)
    entries = read_ledger(path)
    mine = entries_for(entries, report_id)
    if not mine and status == "draft":
        found.add(
            "ledger",
            None,
            f"{report_id} is a draft: drafts are not recorded in the ledger, so the PDF's "
            "SHA-256 was not checked against an issued version",
        )
        return
    if not mine:
        same_bytes = [e for e in entries if e.get("pdf_sha256") == found.sha256]
        hint = f" (the file's hash is that of {same_bytes[0]['report_id']})" if same_bytes else ""
        found.add("ledger", False, f"{path} has no row for report {report_id}{hint}")
        return
    entry = mine[-1]
    problems = []
    if entry.get("pdf_sha256") != found.sha256:
        problems.append(
            f"PDF SHA-256 mismatch: the file hashes to {found.sha256}, the ledger recorded "
            f"{entry.get('pdf_sha256')} when {report_id} was written (the file was changed)"
        )
    if entry.get("results_sha256") != results_sha:
        problems.append(
            f"results.json SHA-256 mismatch: embedded {results_sha}, ledger "
            f"{entry.get('results_sha256')}"
        )
    if problems:
        found.add("ledger", False, "; ".join(problems))
    else:
        found.add(
            "ledger",
            True,
            f"PDF SHA-256 matches the ledger row of {report_id} (status "
            f"{entry.get('status')}, issue date {entry.get('issue_date')})",
        )
    newer = superseded_by(entries, report_id)
    if newer:
        found.notes.append(f"{report_id} is superseded by {newer} (restated)")


def _check_folder(found: Verification, pdf: Path, files: dict[str, bytes]) -> None:
    """The loose files next to the PDF, where present, are the embedded ones."""
    folder = pdf.parent
    present = [n for n in EMBEDDED if (folder / n).is_file()]
    if not present:
        return
    differ = [n for n in present if (folder / n).read_bytes() != files.get(n)]
    if differ:
        found.add(
            "version folder",
            False,
            f"{', '.join(differ)} in {folder} differ from the file(s) embedded in the PDF",
        )
    else:
        found.add(
            "version folder", True, f"{', '.join(present)} next to the PDF are the embedded ones"
        )


def _check_tenant_statements(found: Verification, pdf: Path, manifest: dict) -> None:
    """The tenant statements the manifest lists hash as recorded (when next to the PDF)."""
    recorded = manifest.get("tenant_statements") or {}
    if not recorded:
        return
    folder = pdf.parent
    problems, checked = [], 0
    for name in sorted(recorded):
        path = folder / name
        if not path.is_file():
            continue
        checked += 1
        actual = sha256_hex(path.read_bytes())
        if actual != recorded[name]:
            problems.append(f"{name} hashes to {actual}, the manifest recorded {recorded[name]}")
    if problems:
        found.add("tenant statements", False, "; ".join(problems))
    elif checked:
        found.add("tenant statements", True, f"{checked} statement(s) hash as the manifest records")
    else:
        found.add("tenant statements", None, "the statements are not next to the PDF")


def _check_operating_update(found: Verification, pdf: Path, manifest: dict) -> None:
    """The operating update (PDF and JSON) hashes as the manifest records (when next to the PDF)."""
    recorded = manifest.get("operating_update") or {}
    if not recorded:
        return
    folder = pdf.parent
    present = {n: folder / n for n in sorted(recorded) if (folder / n).is_file()}
    if not present:
        found.add("operating update", None, "the operating update is not next to the PDF")
        return
    problems = [
        f"{name} hashes to {sha256_hex(path.read_bytes())}, the manifest recorded {recorded[name]}"
        for name, path in present.items()
        if sha256_hex(path.read_bytes()) != recorded[name]
    ]
    if problems:
        found.add("operating update", False, "; ".join(problems))
    else:
        found.add("operating update", True, f"{len(present)} file(s) hash as the manifest records")


def _site_file(inputs: Path) -> Path:
    inputs = Path(inputs)
    site_file = inputs / "site.toml" if inputs.is_dir() else inputs
    if not site_file.is_file():
        raise ConfigError(
            f"--inputs {inputs}: no site.toml there (a site file folder is expected)",
            path=inputs,
            reason="no-site-file",
        )
    return site_file


def _input_differences(manifest: dict, new_inputs: list[dict], extra: dict) -> list[dict]:
    before = {str(i.get("path")): i.get("sha256") for i in manifest.get("inputs") or ()}
    after = {str(i.get("path")): i.get("sha256") for i in new_inputs}
    found = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            found.append(
                {"input": path, "manifest_sha256": before.get(path), "now_sha256": after.get(path)}
            )
    for key, value in extra.items():
        if manifest.get(key) != value:
            found.append({"input": key, "manifest": manifest.get(key), "now": value})
    return found


def _recompute(
    found: Verification,
    results: dict,
    manifest: dict,
    inputs: Path | None,
    pdf: tuple[bytes, dict[str, bytes]],
) -> None:
    label = (results.get("period") or {}).get("label")
    if inputs is not None:
        site_file = _site_file(inputs)
        data = site_data(site_file)
        outcome = data.run(month(str(label), data.site.site.timezone))
        extra = {"site_file": {"path": site_file.name, "sha256": file_sha256(site_file)}}
        what = f"site file {site_file}"
    else:
        data, generator = demo_site_data()
        outcome = data.run(demo_period(str(label)))
        extra = {"demo": generator}
        what = "the demo generator"
    meta = ReportMeta(
        report_id=str(results.get("report_id")),
        version=int(results.get("version") or 0),
        status=str(results.get("status")),
        issue_date=date.fromisoformat(str(results.get("issue_date"))[:10]),
    )
    again = build_results(outcome, meta)
    if "uncertainty" in results:  # reports with the pivot analysis: recompute it the same way
        again.update(extend_results(data, outcome, again, requested_baseline(results)))
    if again.get("site", {}).get("id") != (results.get("site") or {}).get("id"):
        found.add(
            "recomputation",
            False,
            f"{what} describes site {again['site']['id']!r}, the PDF site "
            f"{results['site'].get('id')!r}",
        )
        return
    found.differing_inputs = _input_differences(manifest, again["inputs"], extra)
    if found.differing_inputs:
        names = ", ".join(d["input"] for d in found.differing_inputs)
        found.add("input hashes", False, f"input(s) changed since the report: {names}")
    else:
        found.add("input hashes", True, f"every input hashes as the manifest records ({what})")
    found.differing_figures = diff_figures(
        results, again, numbers_only=False, ignore=(*IDENTITY_KEYS, "inputs")
    )
    if found.differing_figures:
        found.add(
            "recomputed figures",
            False,
            f"{len(found.differing_figures)} value(s) differ when recomputed from the inputs",
        )
    else:
        found.add("recomputed figures", True, "every figure recomputes within 1e-9 (relative)")
    found.add_pages(
        "recomputed pages",
        check_recomputed_pages(
            *pdf, manifest, again, outcome, figures_differ=bool(found.differing_figures)
        ),
    )
    recorded = manifest.get("rendered_html_sha256")
    if recorded is None:
        found.add("rendered content", None, "the manifest records no rendered-content hash")
        return
    if found.differing_inputs:
        found.add(
            "rendered content",
            None,
            "not checked: the inputs differ, so the recomputed chart data would differ too",
        )
        return
    kept = recorded_for_render(manifest)
    context = report_context(
        results, outcome.power_by_workload, kept, intensity=outcome.intensity_used
    )
    html = render_html({**context, "embedded_files": embedded_names(EMBEDDED, manifest)})
    actual = sha256_hex(html.encode("utf-8"))
    if actual == recorded:
        found.add("rendered content", True, "the report HTML renders to the manifest's SHA-256")
    else:
        found.add(
            "rendered content",
            False,
            f"the report HTML rendered from the embedded results hashes to {actual}, the "
            f"manifest recorded {recorded}",
        )


def verify_pdf(
    pdf: Path,
    *,
    inputs: Path | None = None,
    ledger: Path | None = None,
    recompute: bool = True,
    public_key: Path | None = None,
    checkpoint: Path | None = None,
) -> Verification:
    """Check a disclosure PDF; see the module docstring for what is checked.

    Parameters
    ----------
    pdf
        The ``disclosure.pdf`` to check.
    inputs
        A site folder holding ``site.toml`` (or the site file itself): recompute
        the period from it. The demo is recomputed without inputs (its inputs are
        generated) unless `recompute` is False.
    ledger
        The ledger index (``ledger.sqlite``); default: found above the PDF in its report
        tree (``<root>/ledger.sqlite`` for ``<root>/<site>/<period>/v<N>/``).
    public_key
        The operator's Ed25519 public key: the manifest's signature must verify with it.
    checkpoint
        A published ledger checkpoint: the ledger must still hold its head.
    """
    pdf = Path(pdf)
    data = pdf.read_bytes()
    found = Verification(pdf=pdf, sha256=sha256_hex(data))
    try:
        files, damaged = _read_pdf(data)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        found.add("pdf structure", False, f"the PDF does not parse: {type(exc).__name__}: {exc}")
        _check_ledger_bytes_only(found, pdf, ledger)
        return found
    if damaged:
        found.add(
            "pdf structure",
            False,
            f"{len(damaged)} compressed stream(s) fail their checksum (the file was changed): "
            + "; ".join(damaged[:5]),
        )
    else:
        found.add("pdf structure", True, "the PDF parses and every compressed stream decodes")
    parsed = _parse_embedded(found, files)
    if parsed is None:
        _check_ledger_bytes_only(found, pdf, ledger)
        return found
    results, manifest = parsed
    found.report_id = str(results.get("report_id"))
    _check_hashes(found, files, manifest)
    _check_identity(found, results, manifest)
    _check_ledger(
        found,
        pdf,
        ledger,
        sha256_hex(files["results.json"]),
        found.report_id,
        str(results.get("status")),
    )
    for check in trust_checks(
        files,
        manifest,
        report_id=found.report_id,
        ledger=found.ledger,
        public_key=public_key,
        checkpoint_file=checkpoint,
    ):
        found.add(*check)
    _check_folder(found, pdf, files)
    _check_tenant_statements(found, pdf, manifest)
    _check_operating_update(found, pdf, manifest)
    for check in export_checks(pdf, manifest, results):
        found.add(*check)
    if damaged:
        found.add("rendered pages", None, "not compared: the PDF's streams are damaged (above)")
    else:
        found.add_pages("rendered pages", check_pages(data, files, manifest))
    restatement = manifest.get("restatement")
    if isinstance(restatement, dict):
        old = (restatement.get("supersedes") or {}).get("report_id")
        changed = restatement.get("changed_figures")
        found.notes.append(
            f"restates {old}: {restatement.get('reason')!r}, "
            + (
                f"{len(changed)} figure(s) changed"
                if changed is not None
                else "figures not compared (the superseded version's folder was lost)"
            )
        )
    if inputs is not None or (recompute and "demo" in manifest):
        if not recompute:
            found.add("recomputation", None, "skipped (--no-recompute)")
        else:
            _recompute(found, results, manifest, inputs, (data, files))
    else:
        found.add(
            "recomputation",
            None,
            "not recomputed: pass --inputs DIR (the site folder) to recompute every figure",
        )
    return found


def _check_ledger_bytes_only(found: Verification, pdf: Path, ledger: Path | None) -> None:
    """Without a readable manifest: is the file's hash any issued PDF's?"""
    path = ledger if ledger is not None else find_ledger(pdf)
    if path is None:
        return
    found.ledger = path
    _check_chain(found, path)
    entries = read_ledger(path)
    if any(e.get("pdf_sha256") == found.sha256 for e in entries):
        found.add("ledger", True, "the file's SHA-256 is in the ledger")
    else:
        found.add(
            "ledger", False, f"PDF SHA-256 mismatch: {found.sha256} is not a PDF the ledger issued"
        )
