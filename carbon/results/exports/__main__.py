"""``python -m carbon.results.exports``: write the JSON Schema of every export to
``carbon/results/schemas/<name>.json`` (a test checks the files against the models)."""

from carbon.results.exports import EXPORTS, SCHEMA_DIR, schema_bytes

for name in EXPORTS:
    (SCHEMA_DIR / f"{name}.json").write_bytes(schema_bytes(name))
    print(SCHEMA_DIR / f"{name}.json")
