"""The structured fields of carbon's errors (carbon.core.errors)."""

from __future__ import annotations

from pathlib import Path

from carbon.core.errors import CarbonError, ConfigError, FactorNotFoundError, InputDataError

MESSAGE = "meters.csv: line 3: meter 'M1' reads -4.2 kWh"


def test_fields_travel_in_to_dict_and_str_is_the_message() -> None:
    plain = CarbonError(MESSAGE)
    err = CarbonError(MESSAGE, path=Path("data/meters.csv"), line=3, meter="M1", reason="x")
    assert str(err) == str(plain) == MESSAGE
    assert err.args == plain.args == (MESSAGE,)
    assert err.to_dict() == {
        "error": "CarbonError",
        "reason": "x",
        "message": MESSAGE,
        "path": "data/meters.csv",
        "line": 3,
        "timestamp": None,
        "meter": "M1",
        "key": None,
        "exit_code": 1,
    }


def test_a_field_not_given_is_none_and_the_reason_defaults_per_class() -> None:
    err = ConfigError("site.toml: invalid site configuration", key="meters[2].format")
    data = err.to_dict()
    assert data["key"] == "meters[2].format"
    assert data["path"] is data["line"] is data["timestamp"] is data["meter"] is None
    assert (data["error"], data["reason"], data["exit_code"]) == ("ConfigError", "config", 2)
    assert InputDataError("x").reason == "input-data"


def test_a_key_error_subclass_keeps_its_readable_message() -> None:
    err = FactorNotFoundError("unknown eGRID subregion 'XX'", reason="unknown-subregion")
    assert str(err) == "unknown eGRID subregion 'XX'"
    assert err.to_dict()["message"] == "unknown eGRID subregion 'XX'"
