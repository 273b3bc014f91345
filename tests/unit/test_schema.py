"""The schema as data: complete, consistent with the typed records, one spelling per header."""

import dataclasses

import pytest

from xl_milestones.core import model, schema

RECORDS = {
    "contracts": model.Contract,
    "milestones": model.Milestone,
    "deliverables": model.Deliverable,
    "signoffs": model.Signoff,
    "approval_rules": model.ApprovalRule,
    "change_orders": model.ChangeOrder,
    "invoices": model.Invoice,
    "issues": model.IssueRecord,
    "holidays": model.Holiday,
    "fx_rates": model.FxRate,
}


@pytest.mark.parametrize("key", sorted(RECORDS))
def test_record_attributes_are_the_schema_input_fields(key: str) -> None:
    sheet = schema.SHEETS_BY_KEY[key]
    attrs = {f.name for f in dataclasses.fields(RECORDS[key])} - {"row"}
    assert attrs == {f.name for f in sheet.inputs}


@pytest.mark.parametrize("key", sorted(RECORDS))
def test_records_are_slotted_and_never_hashed(key: str) -> None:
    # Read-only to mypy (``model.record``), not frozen at run time: so that nothing relies
    # on a record being hashable, hashing one fails.
    cls = RECORDS[key]
    assert "__slots__" in vars(cls) and cls.__hash__ is None


def test_settings_record_matches_setting_fields() -> None:
    attrs = {f.name for f in dataclasses.fields(model.Settings)}
    assert attrs == {f.name for f in schema.SETTING_FIELDS}


@pytest.mark.parametrize("sheet", schema.ALL_SHEETS, ids=lambda s: s.key)
def test_headers_are_unique_after_normalisation(sheet: schema.Sheet) -> None:
    keys = [f.key for f in sheet.fields]
    assert len(keys) == len(set(keys))
    assert all(f.description for f in sheet.fields)


def test_table_names() -> None:
    assert schema.CHANGE_ORDERS.table_name == "tblChangeOrders"
    assert schema.SIGNOFFS.table_name == "tblSignoffs"
    assert schema.FX_RATES.table_name == "tblFXRates"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Contract ID", "contractid"),
        ("contract_id", "contractid"),
        (" CONTRACT-ID ", "contractid"),
        ("% Complete", "%complete"),
        ("Payment %", "payment%"),
    ],
)
def test_normalize_header(text: str, expected: str) -> None:
    assert schema.normalize_header(text) == expected


def test_sheet_and_setting_lookup() -> None:
    assert schema.sheet_by_name("sign offs") is schema.SIGNOFFS
    assert schema.sheet_by_name("Nope") is None
    setting = schema.setting_by_name("check blocking issues")
    assert setting is not None and setting.default == "block"


def test_every_optional_input_sheet_says_what_a_refresh_takes_when_it_is_missing() -> None:
    for sheet in schema.INPUT_SHEETS:
        assert bool(sheet.when_missing) is not sheet.required, sheet.name
