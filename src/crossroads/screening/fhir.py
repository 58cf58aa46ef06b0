"""FHIR R4 for the instruments: each as a Questionnaire, each completed screen as a
QuestionnaireResponse, and a QuestionnaireResponse back into answers.

Every resource built here is validated with the `fhir.resources` R4B models (identical to R4
for these two resources) before it is returned as plain JSON-ready data. Answers are codings:
LOINC answer codes where the instrument file gives them (PHQ-9: LA6568-5 ... LA6571-9), else
the instrument's own code system with the answer value as code. Each answer option carries its
scored value in the R4 `ordinalValue` extension. Skip logic becomes `enableWhen`.

Pure of Django: imports fhir.resources, never the web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from crossroads.screening.catalog import Instrument, Item, Option, catalog
from crossroads.screening.scoring import ScreeningInputError, score

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
URL_PREFIX = "urn:crossroads:screening:"
TOTAL_LINK_ID = "total"
RESULT_LINK_ID = "result"


# Only a finished screen can be scored; in-progress, stopped or entered-in-error ones cannot.
FINISHED = frozenset({"completed", "amended"})


def canonical_url(instrument: Instrument) -> str:
    return f"{URL_PREFIX}{instrument.code}"


def answer_system(instrument: Instrument) -> str:
    """The code system of answers that have no LOINC code: the answer value is the code."""
    return f"{URL_PREFIX}{instrument.code}:answer-value"


def _coding(instrument: Instrument, option: Option) -> dict[str, str]:
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.text}
    return {"system": answer_system(instrument), "code": str(option.value), "display": option.text}


def _item_code(item: Item) -> list[dict[str, str]] | None:
    return [{"system": LOINC, "code": item.loinc, "display": item.text}] if item.loinc else None


def questionnaire(instrument: Instrument) -> dict[str, Any]:
    """The instrument as a FHIR R4 Questionnaire (validated), ready for json.dumps."""
    plan = instrument.plan
    items: list[dict[str, Any]] = []
    for index, item in enumerate(instrument.items):
        scores = plan.tables[index]
        entry: dict[str, Any] = {
            "linkId": item.id,
            "prefix": f"{index + 1}.",
            "text": item.text,
            "type": "choice",
            "required": item.asked_when is None,
            "answerOption": [
                {
                    "extension": [{"url": ORDINAL_VALUE, "valueDecimal": scores[option.value]}],
                    "valueCoding": _coding(instrument, option),
                }
                for option in instrument.options_of(item)
            ],
        }
        if code := _item_code(item):
            entry["code"] = code
        if item.asked_when is not None:
            entry["enableWhen"] = [
                {
                    "question": other,
                    "operator": "=",
                    "answerCoding": _coding(instrument, option),
                }
                for other in item.asked_when.items
                for option in instrument.options_of(instrument.items[instrument.item_index(other)])
                if option.value in item.asked_when.values
            ]
            entry["enableBehavior"] = "any"
        items.append(entry)
    if instrument.scoring.method == "sum":
        total: dict[str, Any] = {
            "linkId": TOTAL_LINK_ID,
            "text": f"{instrument.name} total score",
            "type": "integer",
            "readOnly": True,
        }
        if instrument.total_loinc:
            total["code"] = [
                {"system": LOINC, "code": instrument.total_loinc, "display": total["text"]}
            ]
        items.append(total)
    else:
        levels = [level.code for level in instrument.levels]
        items.append(
            {
                "linkId": RESULT_LINK_ID,
                "text": f"{instrument.name} result ({', '.join(levels)})",
                "type": "string",
                "readOnly": True,
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.code.replace("_", "-"),
        "url": canonical_url(instrument),
        "version": instrument.version,
        "name": "".join(ch for ch in instrument.name if ch.isalnum()),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.preamble or instrument.title,
        "copyright": instrument.terms,
        "item": items,
    }
    if instrument.loinc:
        resource["code"] = [
            {"system": LOINC, "code": instrument.loinc, "display": instrument.title}
        ]
    return _validated(Questionnaire, resource)


def questionnaire_response(
    instrument: Instrument,
    answers: list[int | None],
    *,
    sex: str | None = None,
    authored: str | None = None,
) -> dict[str, Any]:
    """A completed screen as a FHIR R4 QuestionnaireResponse (scored first, so invalid answers
    raise ScreeningInputError before anything is built)."""
    result = score(instrument, answers, sex=sex)
    not_asked = {
        index
        for condition, indexes in instrument.plan.skip_groups
        if not condition.holds(answers)
        for index in indexes
    }
    items: list[dict[str, Any]] = []
    for index, (item, answer) in enumerate(zip(instrument.items, answers, strict=True)):
        if answer is None or index in not_asked:
            continue  # skipped by the form's own logic: the person was never asked
        option = next(o for o in instrument.options_of(item) if o.value == answer)
        items.append(
            {
                "linkId": item.id,
                "text": item.text,
                "answer": [{"valueCoding": _coding(instrument, option)}],
            }
        )
    if result.total is not None:
        items.append({"linkId": TOTAL_LINK_ID, "answer": [{"valueInteger": result.total}]})
    elif result.band is not None:
        items.append({"linkId": RESULT_LINK_ID, "answer": [{"valueString": result.band}]})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical_url(instrument)}|{instrument.version}",
        "status": "completed",
        "item": items,
    }
    if authored:
        resource["authored"] = authored
    return _validated(QuestionnaireResponse, resource)


def answers_from_response(
    resource: Mapping[str, Any],
    *,
    instruments: Mapping[str, Instrument] | None = None,
    sex: str | None = None,
) -> tuple[Instrument, list[int | None]]:
    """The instrument and the answers of a QuestionnaireResponse. The answers are checked by
    scoring them; every problem raises ScreeningInputError naming the linkId."""
    if resource.get("resourceType") != "QuestionnaireResponse":
        raise ScreeningInputError(
            f"expected a QuestionnaireResponse, got {resource.get('resourceType')!r}"
        )
    try:
        QuestionnaireResponse.model_validate(dict(resource))
    except ValidationError as error:
        raise ScreeningInputError(f"not a valid FHIR QuestionnaireResponse: {error}") from None
    if resource.get("status") not in FINISHED:
        raise ScreeningInputError(
            f"status: {resource.get('status')!r} is not a finished screen "
            f"(expected one of {', '.join(sorted(FINISHED))})"
        )
    known = catalog() if instruments is None else instruments
    reference = str(resource.get("questionnaire") or "")
    url, _, version = reference.partition("|")
    instrument = next((i for i in known.values() if canonical_url(i) == url), None)
    if instrument is None:
        raise ScreeningInputError(
            f"questionnaire {reference!r} is not one of ours "
            f"({', '.join(canonical_url(i) for i in known.values())})"
        )
    if version and version != instrument.version:
        raise ScreeningInputError(
            f"questionnaire {reference!r}: version {version} is not the loaded {instrument.version}"
        )
    ids = [item.id for item in instrument.items]
    answers: list[int | None] = [None] * len(ids)
    declared_total: int | None = None
    for entry in resource.get("item") or []:
        link_id = str(entry.get("linkId"))
        values = entry.get("answer") or []
        if link_id == TOTAL_LINK_ID and instrument.scoring.method == "sum":
            if len(values) == 1 and "valueInteger" in values[0]:
                declared_total = int(values[0]["valueInteger"])
                continue
            raise ScreeningInputError(f"linkId {link_id}: expected one integer", link_id=link_id)
        if link_id == RESULT_LINK_ID and instrument.scoring.method == "rules":
            continue  # recomputed from the answers
        if link_id not in ids:
            raise ScreeningInputError(
                f"linkId {link_id}: not an item of {instrument.name}", link_id=link_id
            )
        index = ids.index(link_id)
        if answers[index] is not None:
            raise ScreeningInputError(f"linkId {link_id}: answered twice", link_id=link_id)
        if len(values) != 1 or "valueCoding" not in values[0]:
            raise ScreeningInputError(
                f"linkId {link_id}: expected exactly one coded answer", link_id=link_id
            )
        coding = values[0]["valueCoding"]
        item = instrument.items[index]
        match = next(
            (
                o
                for o in instrument.options_of(item)
                if _coding(instrument, o)["system"] == coding.get("system")
                and _coding(instrument, o)["code"] == coding.get("code")
            ),
            None,
        )
        if match is None:
            allowed = ", ".join(_coding(instrument, o)["code"] for o in instrument.options_of(item))
            raise ScreeningInputError(
                f"linkId {link_id}: {coding.get('system')}|{coding.get('code')} is not an "
                f"answer of {instrument.name} {link_id} ({allowed})",
                link_id=link_id,
            )
        answers[index] = match.value
    # Neither the item checks nor the total depend on sex; only the cut-off does.
    check_sex = sex or ("female" if instrument.needs_sex else None)
    try:
        result = score(instrument, answers, sex=check_sex)
    except ScreeningInputError as error:
        if error.item is None:
            raise
        link_id = ids[error.item - 1]
        raise ScreeningInputError(f"linkId {link_id}: {error}", link_id=link_id) from None
    if declared_total is not None and declared_total != result.total:
        raise ScreeningInputError(
            f"linkId {TOTAL_LINK_ID}: {declared_total} does not match the answers' total "
            f"{result.total}",
            link_id=TOTAL_LINK_ID,
        )
    return instrument, answers


def _validated(
    model: type[Questionnaire] | type[QuestionnaireResponse], data: dict[str, Any]
) -> dict[str, Any]:
    """Check `data` against the fhir.resources model and return it as JSON-ready data."""
    validated = model.model_validate(data)
    dumped: dict[str, Any] = validated.model_dump(mode="json", exclude_none=True)
    return dumped
