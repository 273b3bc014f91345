"""The sample workbook, read back from the file and computed: it validates cleanly and shows
every status, RAG colour and payment status of RULES.md, as the demo promises."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from xl_milestones.core import schema as S
from xl_milestones.core.engine import EngineResult, compute
from xl_milestones.core.validate import Validation, validate
from xl_milestones.io.reader import read_workbook
from xl_milestones.template.build import SAMPLE_FILE, build_sample
from xl_milestones.template.sample import AS_OF


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Validation, EngineResult]:
    path: Path = tmp_path_factory.mktemp("sample") / SAMPLE_FILE
    build_sample(path)
    # `today` far from the As Of Date: the sample must not depend on the day it is opened.
    result = validate(read_workbook(path), today=AS_OF.replace(year=AS_OF.year + 3))
    return result, compute(result.model, result.as_of)


def test_sample_validates_without_issues(checked: tuple[Validation, EngineResult]) -> None:
    validation, _ = checked
    assert [(i.code, i.cell, i.message) for i in validation.issues] == []
    assert validation.as_of == AS_OF
    assert not validation.model.skipped


def test_sample_shows_every_status_rag_and_payment_status(
    checked: tuple[Validation, EngineResult],
) -> None:
    _, result = checked
    values = [m.values for m in result.milestones]
    assert all(m.computed for m in result.milestones)
    assert set(Counter(v["status"] for v in values)) == set(S.STATUSES)
    assert {v["rag"] for v in values} - {None} == set(S.RAGS)
    assert set(Counter(v["payment_status"] for v in values)) == set(S.PAYMENT_STATUSES)


def test_fully_paid_invoices_match_the_amount_due(
    checked: tuple[Validation, EngineResult],
) -> None:
    # The sample invoices each signed-off milestone at the amount the rules give, so a Paid
    # milestone is paid exactly: no overpayment, no rounding remainder.
    _, result = checked
    paid = [m for m in result.milestones if m.values["payment_status"] == "Paid"]
    assert len(paid) >= 10
    for m in paid:
        assert m.values["outstanding_amount"] == 0, m.milestone_id


def test_sample_blocks_some_signoffs(checked: tuple[Validation, EngineResult]) -> None:
    _, result = checked
    waiting = [m for m in result.milestones if m.values["status"] == "Awaiting sign-off"]
    assert any(m.values["signoff_ready"] is False for m in waiting)
    assert any(m.values["signoff_ready"] is True for m in waiting)
