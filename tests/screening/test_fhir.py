"""FHIR R4: each instrument as a Questionnaire, screens as QuestionnaireResponses and back."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from crossroads.screening import fhir
from crossroads.screening.catalog import Instrument, catalog
from crossroads.screening.scoring import ScreeningInputError, score

CODES = sorted(catalog())
SAMPLE = {
    "phq9": [1, 2, 3, 0, 0, 1, 2, 0, 1],
    "phq2": [2, 1],
    "gad7": [0, 1, 2, 3, 0, 1, 2],
    "auditc": [2, 1, 1],
    "audit": [2, 1, 0, 1, 0, 0, 1, 0, 2, 0],
    "dast10": [1, 0, 0, 1, 0, 0, 0, 0, 0, 1],
    "cageaid": [0, 1, 0, 0],
    "k6": [4, 3, 2, 1, 0, 4],
    "cssrs_screener": [1, 0, None, None, None, 1],
    "bjmhs": [0, 1, 0, 0, 0, 0, 0, 1, 0],
}


@pytest.mark.parametrize("code", CODES)
def test_every_questionnaire_validates(instruments: dict[str, Instrument], code: str) -> None:
    resource = fhir.questionnaire(instruments[code])
    Questionnaire.model_validate(resource)
    link_ids = [item["linkId"] for item in resource["item"]]
    assert link_ids[: len(instruments[code].items)] == [i.id for i in instruments[code].items]


@pytest.mark.parametrize("code", CODES)
def test_a_response_round_trips(instruments: dict[str, Instrument], code: str) -> None:
    instrument = instruments[code]
    answers = SAMPLE[code]
    resource = fhir.questionnaire_response(instrument, answers, sex="male", authored="2026-11-27")
    QuestionnaireResponse.model_validate(resource)
    back, imported = fhir.answers_from_response(resource, sex="male")
    assert back is instrument
    assert imported == answers
    assert score(back, imported, sex="male") == score(instrument, answers, sex="male")


def test_phq9_carries_its_loinc_codes(instruments: dict[str, Instrument]) -> None:
    resource = fhir.questionnaire(instruments["phq9"])
    assert resource["code"][0] == {
        "system": "http://loinc.org",
        "code": "44249-1",
        "display": "Patient Health Questionnaire-9",
    }
    first = resource["item"][0]
    assert [o["valueCoding"]["code"] for o in first["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    assert [
        (o["extension"][0]["url"], o["extension"][0]["valueDecimal"]) for o in first["answerOption"]
    ] == [(fhir.ORDINAL_VALUE, v) for v in (0, 1, 2, 3)]
    total = resource["item"][-1]
    assert total["code"][0]["code"] == "44261-6" and total["readOnly"] is True
    assert resource["item"][8]["code"][0]["code"] == "44260-8"


def test_dast10_item_3_ordinal_is_reverse_scored(instruments: dict[str, Instrument]) -> None:
    item3 = fhir.questionnaire(instruments["dast10"])["item"][2]
    ordinals = {
        o["valueCoding"]["display"]: o["extension"][0]["valueDecimal"]
        for o in item3["answerOption"]
    }
    assert ordinals == {"No": 1, "Yes": 0}


def test_skip_logic_becomes_enable_when(instruments: dict[str, Instrument]) -> None:
    item3 = fhir.questionnaire(instruments["cssrs_screener"])["item"][2]
    assert item3["enableWhen"][0]["question"] == "c2"
    assert item3["required"] is False


def _phq9_response(instruments: dict[str, Instrument]) -> dict[str, Any]:
    return fhir.questionnaire_response(instruments["phq9"], SAMPLE["phq9"])


@pytest.mark.parametrize(
    ("change", "message", "link_id"),
    [
        (lambda r: r.update(questionnaire="urn:other:phq9"), "is not one of ours", None),
        (
            lambda r: r.update(questionnaire="urn:crossroads:screening:phq9|0.1"),
            "version 0.1",
            None,
        ),
        (lambda r: r["item"].pop(2), "linkId q3: item 3 (PHQ-9 q3): not answered", "q3"),
        (
            lambda r: r["item"][4]["answer"][0]["valueCoding"].update(code="LA9999-9"),
            "linkId q5: http://loinc.org|LA9999-9 is not an answer",
            "q5",
        ),
        (lambda r: r["item"][0].update(linkId="q42"), "linkId q42: not an item of PHQ-9", "q42"),
        (
            lambda r: r["item"][-1]["answer"][0].update(valueInteger=3),
            "linkId total: 3 does not match",
            "total",
        ),
        (
            lambda r: r["item"][1].update(answer=[]),
            "linkId q2: expected exactly one coded answer",
            "q2",
        ),
    ],
)
def test_import_errors_name_the_link_id(
    instruments: dict[str, Instrument], change: Any, message: str, link_id: str | None
) -> None:
    resource = copy.deepcopy(_phq9_response(instruments))
    change(resource)
    with pytest.raises(ScreeningInputError) as caught:
        fhir.answers_from_response(resource)
    assert message in str(caught.value)
    assert caught.value.link_id == link_id


def test_import_refuses_other_resources() -> None:
    with pytest.raises(ScreeningInputError, match="expected a QuestionnaireResponse"):
        fhir.answers_from_response({"resourceType": "Patient"})


@pytest.mark.parametrize("status", ["in-progress", "entered-in-error", "stopped"])
def test_only_a_finished_screen_is_imported(status: str) -> None:
    phq9 = catalog()["phq9"]
    resource = copy.deepcopy(fhir.questionnaire_response(phq9, SAMPLE["phq9"]))
    resource["status"] = status
    with pytest.raises(ScreeningInputError, match=f"status: '{status}'"):
        fhir.answers_from_response(resource)


@pytest.mark.parametrize(
    ("code", "answers", "never_asked"),
    [
        ("audit", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], {"a2", "a3", "a4", "a5", "a6", "a7", "a8"}),
        ("auditc", [0, None, None], {"a2", "a3"}),
        ("cssrs_screener", [1, 0, None, None, None, 0], {"c3", "c4", "c5"}),
    ],
)
def test_items_the_form_skipped_are_not_exported_as_answers(
    code: str, answers: list[int | None], never_asked: set[str]
) -> None:
    instrument = catalog()[code]
    resource = fhir.questionnaire_response(instrument, answers, sex="female")
    exported = {entry["linkId"] for entry in resource["item"]}
    assert not exported & never_asked
    imported_instrument, imported = fhir.answers_from_response(resource, sex="female")
    assert (
        score(imported_instrument, imported, sex="female").total
        == score(instrument, answers, sex="female").total
    )
