"""HSDS records as Crossroads keeps them: each table's model, records as HSDS values and JSON.

Each model field's database column is its HSDS field name (models.py), so `TABLES` joins the
official descriptor (exchange.tables()) to the models without a hand-kept list, and refuses to
load if the two disagree. Serialisation goes both ways: package values into model values (with
the models' own checks), records into a package's rows, and records into the nested JSON of
the HSDS API, fetched one query per relation however many records are shown (ADR 0013). What
nests where (`SHAPES`) is described once, for writing JSON here and for reading it back
(exchange.read_json).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import QuerySet

from crossroads.directory import exchange
from crossroads.directory.models import HsdsRecord

CHUNK = 1000  # ids per IN (...) list, well within SQLite's and PostgreSQL's bounds
STREAM_CHUNK = 500  # records per round of queries while streaming a whole list
JsonDoc = dict[str, Any]
M = TypeVar("M", bound=HsdsRecord)
Shape = Callable[[Sequence[Any]], list[JsonDoc]]  # records -> their documents


@dataclass(frozen=True)
class Table:
    """An HSDS table and the model that keeps it."""

    spec: exchange.Table
    model: type[HsdsRecord]
    fields: dict[str, models.Field[Any, Any]]  # HSDS field name -> model field (same column)

    @property
    def name(self) -> str:
        return self.spec.name

    def values(self, record: HsdsRecord) -> dict[str, Any]:
        return {name: getattr(record, f.attname) for name, f in self.fields.items()}

    def model_values(
        self, values: Mapping[str, exchange.Value]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A package row's values as model attributes, and what the model refuses, by field."""
        converted: dict[str, Any] = {}
        refused: dict[str, str] = {}
        for name, value in values.items():
            model_field = self.fields[name]
            try:
                # Not `clean`: a reference's check would look its target up, row by row, and
                # HSDS data may point at records it does not carry.
                converted[model_field.attname] = python = model_field.to_python(value)
                if python is not None:
                    model_field.run_validators(python)
            except ValidationError as error:
                refused[name] = " ".join(error.messages)
        return converted, refused

    def json(self, record: HsdsRecord) -> JsonDoc:
        """The record's HSDS fields that have a value (HSDS leaves out what is unknown), and
        its extension fields, as they came."""
        doc: JsonDoc = dict(record.extra)
        doc.update(
            (name, json_value(value))
            for name, value in self.values(record).items()
            if value is not None
        )
        return doc

    def existing_ids(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        return {r.pk for r in _having(self.model, "pk", list(ids), only_pk=True)}

    def export_rows(self) -> tuple[tuple[str, ...], Iterator[exchange.ExportRow]]:
        """The table's extension columns, and its records as package rows in id order."""
        extras = self.model._default_manager.exclude(extra={}).values_list("extra", flat=True)
        extension = tuple(sorted({key for extra in extras.iterator() for key in extra}))
        names = list(self.fields)
        attnames = [self.fields[n].attname for n in names]
        rows = self.model._default_manager.order_by("pk").values_list(*attnames, "extra")

        def generate() -> Iterator[exchange.ExportRow]:
            for *values, extra in rows.iterator(chunk_size=CHUNK):
                yield dict(zip(names, values, strict=True)), extra

        return extension, generate()


def _having(
    model: type[M], column: str, ids: Sequence[uuid.UUID | None], *, only_pk: bool = False
) -> list[M]:
    """The records whose `column` is one of `ids`, in id order, asked CHUNK ids at a time."""
    found: list[M] = []
    for start in range(0, len(ids), CHUNK):
        query = model._default_manager.filter(**{f"{column}__in": ids[start : start + CHUNK]})
        found.extend(query.only("pk") if only_pk else query)
    return sorted(found, key=lambda r: r.pk)


def json_value(value: Any) -> Any:
    """A model value as HSDS JSON writes it: numbers as numbers, the rest as text."""
    if isinstance(value, float | Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, uuid.UUID | date | datetime | time):
        return exchange.cell_text(value)
    return value


def _registry() -> dict[str, Table]:
    by_table = {
        m.hsds_table: m
        for m in apps.get_app_config("directory").get_models()
        if issubclass(m, HsdsRecord)
    }
    spec = exchange.tables()
    if set(by_table) != set(spec):
        raise ImproperlyConfigured(
            f"HSDS tables without a model: {sorted(set(spec) - set(by_table))}; "
            f"models of no HSDS table: {sorted(set(by_table) - set(spec))}"
        )
    registry = {}
    for name, table in spec.items():
        model = by_table[name]
        columns = {f.column: f for f in model._meta.concrete_fields}
        if missing := [f.name for f in table.fields if f.name not in columns]:
            raise ImproperlyConfigured(f"{model.__name__} has no column for HSDS {missing}")
        registry[name] = Table(table, model, {f.name: columns[f.name] for f in table.fields})
    return registry


TABLES = _registry()


# --- nested JSON, as the HSDS API serves it -----------------------------------------------------

# What each table nests, named as the official schemas name them (and as the models' relations
# are named). Beyond the schemas, and as the HSDS OpenAPI and the official examples do, an
# organization nests its services and a service_at_location its service. A relation back to a
# table already above in the tree is left out, as the official examples do: a service's
# organization lists no services. (test_hsds_exchange checks it against the official schemas.)
NESTED: dict[str, tuple[str, ...]] = {
    "service": (
        "organization",
        "program",
        "phones",
        "schedules",
        "service_areas",
        "service_at_locations",
        "languages",
        "funding",
        "cost_options",
        "required_documents",
        "contacts",
    ),
    "organization": (
        "funding",
        "contacts",
        "phones",
        "locations",
        "programs",
        "organization_identifiers",
        "services",
    ),
    "service_at_location": ("service", "location", "contacts", "phones", "schedules"),
    "location": ("languages", "addresses", "contacts", "accessibility", "phones", "schedules"),
    "contact": ("phones",),
    "phone": ("languages",),
    "attribute": ("taxonomy_term",),
    "taxonomy_term": ("taxonomy_detail",),
}
# Attributes and metadata can belong to a record of any table: they point at it by id and
# name its table. A full record carries both.
ANY_TABLE = (
    exchange.Nesting("attributes", "attribute", True, "link_id", kind_field="link_entity"),
    exchange.Nesting("metadata", "metadata", True, "resource_id", kind_field="resource_type"),
)


def _nesting(model: type[HsdsRecord], key: str) -> exchange.Nesting:
    relation = model._meta.get_field(key)
    child = cast(type[HsdsRecord], relation.related_model)
    if relation.many_to_one:  # the holder points at it: a service's organization
        return exchange.Nesting(key, child.hsds_table, False, cast(Any, relation).column)
    return exchange.Nesting(key, child.hsds_table, True, cast(Any, relation).field.column)


def _shapes() -> dict[str, tuple[exchange.Nesting, ...]]:
    return {
        name: tuple(_nesting(table.model, key) for key in NESTED.get(name, ())) + ANY_TABLE
        for name, table in TABLES.items()
    }


SHAPES = _shapes()


def nested(
    table: str, records: Sequence[HsdsRecord], *, full: bool, full_services: bool = True
) -> list[JsonDoc]:
    """The records as HSDS JSON: with their one-to-one relations nested (a list's items), or
    `full`, with everything that belongs to them. An organization's services are themselves
    full only with `full_services` (the HSDS API's `full_service`).

    A reference the documents express by nesting (a phone listed under its service, a service's
    organization nested in it) is not repeated as its `_id` field, as the official examples
    write them; a reference to a record not nested here keeps its field, so nothing is lost."""
    tree = _Tree(full=full, full_services=full_services)
    docs = tree.nest(table, records, frozenset({table}))
    if full:
        tree.attach_attributes_and_metadata()
    tree.leave_out_nested_references()
    return docs


def in_chunks(records: QuerySet[M], shape: Shape) -> Iterator[JsonDoc]:
    """Every record's document, shaped STREAM_CHUNK records at a time: a whole list in a few
    rounds of queries, without holding it all."""
    ids = list(records.values_list("id", flat=True))
    model = records.model
    for start in range(0, len(ids), STREAM_CHUNK):
        chunk = ids[start : start + STREAM_CHUNK]
        found = model._default_manager.in_bulk(chunk)
        yield from shape([found[pk] for pk in chunk if pk in found])


def page(*, total: int, number: int, per_page: int, size: int) -> JsonDoc:
    """The HSDS API's page envelope, without its `contents`."""
    pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": size,
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": size == 0,
    }


class _Tree:
    def __init__(self, *, full: bool, full_services: bool) -> None:
        self.full = full
        self.full_services = full_services
        self.docs_by_id: dict[uuid.UUID, list[JsonDoc]] = defaultdict(list)
        self.full_docs: dict[uuid.UUID, list[JsonDoc]] = defaultdict(list)
        self.nested_references: set[tuple[uuid.UUID, str]] = set()  # (record, field)
        # exchange.inherited_references: (record, field) -> its own value, its holders' values
        self.shared: dict[tuple[uuid.UUID, str], tuple[object, set[object]]] = {}

    def nest(
        self, table: str, records: Sequence[HsdsRecord], above: frozenset[str], full: bool = True
    ) -> list[JsonDoc]:
        full = full and self.full
        docs = [TABLES[table].json(r) for r in records]
        for record, doc in zip(records, docs, strict=True):
            self.docs_by_id[record.pk].append(doc)
            if full:
                self.full_docs[record.pk].append(doc)
        for nesting in SHAPES[table]:
            if nesting.kind_field or nesting.table in above:
                continue  # attributes and metadata are attached at the end, all at once
            if not nesting.many:
                self._one(table, nesting, records, docs, above, full)
            elif full:
                self._many(nesting, records, docs, above)
        return docs

    def _one(
        self,
        table: str,
        nesting: exchange.Nesting,
        records: Sequence[HsdsRecord],
        docs: list[JsonDoc],
        above: frozenset[str],
        full: bool,
    ) -> None:
        """A to-one relation (a service's organization): each target fetched once."""
        reference = TABLES[table].fields[nesting.field].attname
        child = TABLES[nesting.table].model
        targets = child._default_manager.in_bulk({getattr(r, reference) for r in records} - {None})
        shown = dict(
            zip(
                targets,
                self.nest(nesting.table, list(targets.values()), above | {nesting.table}, full),
                strict=True,
            )
        )
        for record, doc in zip(records, docs, strict=True):
            target = shown.get(getattr(record, reference))
            if target is not None:
                doc[nesting.key] = target
                self.nested_references.add((record.pk, nesting.field))
                self._share(table, record, nesting.table, targets[getattr(record, reference)])

    def _share(self, table: str, record: HsdsRecord, held_table: str, held: HsdsRecord) -> None:
        for mine, theirs in exchange.inherited_references(table, held_table):
            own = getattr(held, TABLES[held_table].fields[mine].attname)
            _, said = self.shared.setdefault((held.pk, mine), (own, set()))
            said.add(getattr(record, TABLES[table].fields[theirs].attname))

    def _many(
        self,
        nesting: exchange.Nesting,
        records: Sequence[HsdsRecord],
        docs: list[JsonDoc],
        above: frozenset[str],
    ) -> None:
        """A to-many relation (a service's phones): one query for all the records' children."""
        children = self._children(nesting, [r.pk for r in records])
        full = nesting.key != "services" or self.full_services
        child_docs = self.nest(nesting.table, children, above | {nesting.table}, full)
        grouped = self._grouped(nesting, children, child_docs)
        for record, doc in zip(records, docs, strict=True):
            doc[nesting.key] = grouped.get(record.pk, [])

    def _children(self, nesting: exchange.Nesting, ids: list[uuid.UUID]) -> list[HsdsRecord]:
        child = TABLES[nesting.table]
        return _having(child.model, child.fields[nesting.field].attname, ids)

    def _grouped(
        self, nesting: exchange.Nesting, children: Sequence[HsdsRecord], docs: list[JsonDoc]
    ) -> dict[uuid.UUID, list[JsonDoc]]:
        """The children's documents by the record each points at (and nests in)."""
        reference = TABLES[nesting.table].fields[nesting.field].attname
        grouped: dict[uuid.UUID, list[JsonDoc]] = defaultdict(list)
        for child, doc in zip(children, docs, strict=True):
            grouped[getattr(child, reference)].append(doc)
            self.nested_references.add((child.pk, nesting.field))
        return grouped

    def attach_attributes_and_metadata(self) -> None:
        """Every full record's attributes (with their terms) and metadata, in two queries and
        two more for the terms and their taxonomies, whatever the size of the tree."""
        ids = list(self.full_docs)
        for nesting in ANY_TABLE:
            children = self._children(nesting, ids)
            child_docs = self.nest(nesting.table, children, frozenset({nesting.table}), False)
            grouped = self._grouped(nesting, children, child_docs)
            for record_id, docs in self.full_docs.items():
                for doc in docs:
                    doc[nesting.key] = grouped.get(record_id, [])

    def leave_out_nested_references(self) -> None:
        """Also what a record nested as one shares with every record it is nested in (a
        program, the organization of its services): reading it back takes it from them."""
        for key, (own, said) in self.shared.items():
            if said == {own}:
                self.nested_references.add(key)
        for record_id, field in self.nested_references:
            for doc in self.docs_by_id[record_id]:
                doc.pop(field, None)
