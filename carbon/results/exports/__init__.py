"""Machine-readable filing exports written beside ``results.json``.

Each report version folder holds ``exports/mica.json`` (:mod:`.mica`),
``exports/eed.json`` (:mod:`.eed`) and ``exports/esrs-ifrs.json`` (:mod:`.esrs_ifrs`),
built from the results document alone; the manifest records their SHA-256
(``exports``) and ``carbon verify`` builds them again from the embedded results and
compares. Each export is a pydantic model whose JSON Schema is kept in the package,
``carbon/results/schemas/<name>.json`` (written by ``python -m carbon.results.exports``,
checked against the models by a test). docs/exports.md documents them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from carbon.results.document import results_json_bytes
from carbon.results.exports.eed import EedExport, eed_export
from carbon.results.exports.esrs_ifrs import EsrsIfrsExport, esrs_ifrs_export
from carbon.results.exports.mica import MicaExport, mica_export

__all__ = [
    "EXPORTS",
    "EXPORT_DIR",
    "SCHEMA_DIR",
    "export_documents",
    "export_files",
    "schema_bytes",
]

#: The folder of the exports inside a version folder.
EXPORT_DIR = "exports"
#: The folder of the JSON Schemas, shipped with the package.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

_Builder = Callable[[dict[str, Any], bytes], BaseModel]
#: Export name → (model, builder).
EXPORTS: Mapping[str, tuple[type[BaseModel], _Builder]] = {
    "mica": (MicaExport, mica_export),
    "eed": (EedExport, eed_export),
    "esrs-ifrs": (EsrsIfrsExport, esrs_ifrs_export),
}


def export_documents(results: dict[str, Any]) -> dict[str, BaseModel]:
    """Every export of `results`, by name (``mica``, ``eed``, ``esrs-ifrs``)."""
    canonical = results_json_bytes(results)
    return {name: build(results, canonical) for name, (_, build) in EXPORTS.items()}


def export_files(results: dict[str, Any]) -> dict[str, bytes]:
    """The export files of a version folder: ``exports/<name>.json`` → canonical JSON bytes
    (sorted keys, as results.json)."""
    return {
        f"{EXPORT_DIR}/{name}.json": results_json_bytes(document.model_dump(mode="json"))
        for name, document in export_documents(results).items()
    }


def schema_bytes(name: str) -> bytes:
    """The JSON Schema of export `name` as the model generates it (canonical JSON)."""
    model, _ = EXPORTS[name]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"carbon/results/schemas/{name}.json"
    return (json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
