"""Every instrument against the rule its authors published: band edges on both sides of
each cut-off, the positive rule, critical items, reverse and sex-specific scoring."""

from __future__ import annotations

import pytest

from crossroads.screening.catalog import Instrument
from crossroads.screening.scoring import score
from tests.screening.conftest import fill

# (instrument, answers, sex, total, band, positive)
SUM_TABLE = [
    # PHQ-9: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe; >=10
    ("phq9", fill(9, 0, 3), None, 0, "minimal", False),
    ("phq9", fill(9, 4, 3), None, 4, "minimal", False),
    ("phq9", fill(9, 5, 3), None, 5, "mild", False),
    ("phq9", fill(9, 9, 3), None, 9, "mild", False),
    ("phq9", fill(9, 10, 3), None, 10, "moderate", True),
    ("phq9", fill(9, 14, 3), None, 14, "moderate", True),
    ("phq9", fill(9, 15, 3), None, 15, "moderately_severe", True),
    ("phq9", fill(9, 19, 3), None, 19, "moderately_severe", True),
    ("phq9", fill(9, 20, 3), None, 20, "severe", True),
    ("phq9", fill(9, 27, 3), None, 27, "severe", True),
    # PHQ-2: >=3 positive
    ("phq2", [0, 0], None, 0, None, False),
    ("phq2", [1, 1], None, 2, None, False),
    ("phq2", [2, 1], None, 3, None, True),
    ("phq2", [3, 3], None, 6, None, True),
    # GAD-7: 0-4, 5-9, 10-14, 15-21; >=10
    ("gad7", fill(7, 0, 3), None, 0, "minimal", False),
    ("gad7", fill(7, 4, 3), None, 4, "minimal", False),
    ("gad7", fill(7, 5, 3), None, 5, "mild", False),
    ("gad7", fill(7, 9, 3), None, 9, "mild", False),
    ("gad7", fill(7, 10, 3), None, 10, "moderate", True),
    ("gad7", fill(7, 14, 3), None, 14, "moderate", True),
    ("gad7", fill(7, 15, 3), None, 15, "severe", True),
    ("gad7", fill(7, 21, 3), None, 21, "severe", True),
    # AUDIT-C: >=4 men, >=3 women
    ("auditc", [0, 0, 0], "male", 0, None, False),
    ("auditc", [0, 0, 0], "female", 0, None, False),
    ("auditc", [1, 1, 0], "female", 2, None, False),
    ("auditc", [1, 1, 1], "female", 3, None, True),
    ("auditc", [1, 1, 1], "male", 3, None, False),
    ("auditc", [2, 1, 1], "male", 4, None, True),
    ("auditc", [4, 4, 4], "male", 12, None, True),
    # AUDIT: zones 0-7, 8-15, 16-19, 20-40; items 9-10 take 0, 2, 4; >=8
    ("audit", [0, None, None, None, None, None, None, None, 0, 0], None, 0, "zone_i", False),
    ("audit", [1, 1, 1, 0, 0, 0, 0, 0, 4, 0], None, 7, "zone_i", False),
    ("audit", [0, None, None, None, None, None, None, None, 4, 4], None, 8, "zone_ii", True),
    ("audit", [4, 4, 4, 3, 0, 0, 0, 0, 0, 0], None, 15, "zone_ii", True),
    ("audit", [4, 4, 4, 4, 0, 0, 0, 0, 0, 0], None, 16, "zone_iii", True),
    ("audit", [4, 4, 4, 1, 0, 0, 0, 0, 2, 4], None, 19, "zone_iii", True),
    ("audit", [4, 4, 4, 2, 0, 0, 0, 0, 2, 4], None, 20, "zone_iv", True),
    ("audit", [4, 4, 4, 4, 4, 4, 4, 4, 4, 4], None, 40, "zone_iv", True),
    ("audit", [1, 0, 0, None, None, None, None, None, 2, 0], None, 3, "zone_i", False),
    # DAST-10: item 3 reverse-scored; 0, 1-2, 3-5, 6-8, 9-10; >=3
    ("dast10", [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], None, 0, "none", False),
    ("dast10", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], None, 1, "low", False),
    ("dast10", [1, 0, 1, 0, 0, 0, 0, 0, 0, 0], None, 1, "low", False),
    ("dast10", [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], None, 2, "low", False),
    ("dast10", [1, 1, 0, 0, 0, 0, 0, 0, 0, 0], None, 3, "moderate", True),
    ("dast10", [1, 1, 0, 1, 1, 1, 0, 0, 0, 0], None, 6, "substantial", True),
    ("dast10", [1, 1, 1, 1, 1, 1, 0, 0, 0, 0], None, 5, "moderate", True),
    ("dast10", [1, 1, 0, 1, 1, 1, 1, 1, 0, 0], None, 8, "substantial", True),
    ("dast10", [1, 1, 0, 1, 1, 1, 1, 1, 1, 0], None, 9, "severe", True),
    ("dast10", [1, 1, 0, 1, 1, 1, 1, 1, 1, 1], None, 10, "severe", True),
    # CAGE-AID: >=1 yes positive (DOMAIN.md)
    ("cageaid", [0, 0, 0, 0], None, 0, None, False),
    ("cageaid", [0, 0, 0, 1], None, 1, None, True),
    ("cageaid", [1, 1, 1, 1], None, 4, None, True),
    # K6: 0-24, >=13 probable serious mental illness
    ("k6", fill(6, 0, 4), None, 0, "below_threshold", False),
    ("k6", fill(6, 12, 4), None, 12, "below_threshold", False),
    ("k6", fill(6, 13, 4), None, 13, "probable_smi", True),
    ("k6", fill(6, 24, 4), None, 24, "probable_smi", True),
]


@pytest.mark.parametrize(("code", "answers", "sex", "total", "band", "positive"), SUM_TABLE)
def test_sum_instruments_score_as_published(
    instruments: dict[str, Instrument],
    code: str,
    answers: list[int | None],
    sex: str | None,
    total: int,
    band: str | None,
    positive: bool,
) -> None:
    result = score(instruments[code], answers, sex=sex)
    assert (result.total, result.band, result.positive) == (total, band, positive)
    assert not result.prorated


def test_the_table_covers_every_band_edge(instruments: dict[str, Instrument]) -> None:
    covered = {(row[0], row[3]) for row in SUM_TABLE}
    for code, instrument in instruments.items():
        for band in instrument.bands:
            assert (code, band.min) in covered, f"{code} {band.code} lower edge"
            assert (code, band.max) in covered, f"{code} {band.code} upper edge"
        positive = instrument.positive
        if positive is not None:
            for cut in [positive.at_least, *(positive.at_least_by_sex or {}).values()]:
                if cut is not None:
                    assert (code, cut) in covered and (code, cut - 1) in covered, code


@pytest.mark.parametrize(
    ("answers", "total", "critical"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 1], 1, True),  # low total, item 9 still flags
        ([0, 0, 0, 0, 0, 0, 0, 0, 3], 3, True),
        ([3, 3, 3, 3, 3, 3, 3, 3, 0], 24, False),  # severe, but no item-9 flag
    ],
)
def test_phq9_item_9_always_flags_suicide_risk(
    instruments: dict[str, Instrument], answers: list[int | None], total: int, critical: bool
) -> None:
    result = score(instruments["phq9"], answers)
    assert result.total == total
    assert [flag.flag for flag in result.critical] == (["suicide_risk"] if critical else [])


# (answers, risk, positive, critical flags)
CSSRS_TABLE = [
    ([0, 0, None, None, None, 0], "none", False, []),
    ([0, 0, 0, 0, 0, 0], "none", False, []),  # skipped items answered 0 are accepted
    ([1, 0, None, None, None, 0], "low", True, []),
    ([0, 1, 0, 0, 0, 0], "low", True, []),
    ([1, 1, 1, 0, 0, 0], "moderate", True, []),
    ([0, 0, None, None, None, 1], "moderate", True, []),  # behaviour, lifetime only
    ([1, 1, 0, 1, 0, 0], "high", True, ["suicide_risk"]),
    ([1, 1, 0, 0, 1, 0], "high", True, ["suicide_risk"]),
    ([0, 0, None, None, None, 2], "high", True, ["suicide_risk_recent_behaviour"]),
    ([1, 1, 1, 1, 1, 2], "high", True, ["suicide_risk", "suicide_risk_recent_behaviour"]),
]


@pytest.mark.parametrize(("answers", "risk", "positive", "flags"), CSSRS_TABLE)
def test_cssrs_every_risk_path(
    instruments: dict[str, Instrument],
    answers: list[int | None],
    risk: str,
    positive: bool,
    flags: list[str],
) -> None:
    result = score(instruments["cssrs_screener"], answers)
    assert result.total is None
    assert (result.risk, result.band, result.positive) == (risk, risk, positive)
    assert [flag.flag for flag in result.critical] == flags


# (answers: b1-b8 then the officer's judgement, referred, the reason that fired)
BJMHS_TABLE = [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], False, None),
    ([1, 0, 0, 0, 0, 0, 0, 0, 0], False, None),  # one symptom is not enough
    ([0, 0, 0, 0, 0, 1, 0, 0, 0], False, None),
    ([1, 1, 0, 0, 0, 0, 0, 0, 0], True, "at least 2"),
    ([0, 0, 0, 0, 1, 1, 0, 0, 0], True, "at least 2"),
    ([0, 0, 0, 0, 0, 0, 1, 0, 0], True, "medication"),
    ([0, 0, 0, 0, 0, 0, 0, 1, 0], True, "hospitalisation"),
    ([0, 0, 0, 0, 0, 0, 0, 0, 1], True, "officer"),
]


@pytest.mark.parametrize(("answers", "referred", "reason"), BJMHS_TABLE)
def test_bjmhs_every_referral_path(
    instruments: dict[str, Instrument],
    answers: list[int | None],
    referred: bool,
    reason: str | None,
) -> None:
    result = score(instruments["bjmhs"], answers)
    assert result.positive is referred
    assert result.band == ("refer" if referred else "not_referred")
    if reason is None:
        assert result.reasons == ()
    else:
        assert len(result.reasons) == 1 and reason in result.reasons[0]
