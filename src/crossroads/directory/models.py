"""The resource directory: the Open Referral HSDS 3.0 tables, and what Crossroads adds to them.

The HSDS models mirror the official tabular package field for field: each model field's database
column is the HSDS field name, so `hsds.TABLES` can map a package onto the models without a
hand-kept list (ADR 0013). References between HSDS records are real foreign keys without database
constraints, because HSDS data in the wild (the official examples among it) points at records the
package does not carry; the import reports those as warnings instead of refusing the data.

Around them: live capacity reports, verification tasks, edits proposed by an organisation and
waiting for review, agencies' own terms mapped onto the Crossroads taxonomy, and the search index.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q

from crossroads.core.models import Agency, User


class HsdsRecord(models.Model):
    """What every HSDS record has: its UUID, and the extension fields HSDS allows, kept verbatim."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    extra = models.JSONField(default=dict, blank=True, help_text="Fields beyond HSDS 3.0, kept.")

    hsds_table: ClassVar[str]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "name", None) or self.id)


class Taxonomy(HsdsRecord):
    """HSDS `taxonomy`: The taxonomies from which taxonomy terms are taken."""

    name = models.TextField()
    description = models.TextField()
    uri = models.TextField(null=True)
    version = models.TextField(null=True)

    hsds_table = "taxonomy"


class TaxonomyTerm(HsdsRecord):
    """HSDS `taxonomy_term`: Each service can be categorized according to one or more taxonomy
    terms.
    """

    code = models.TextField(null=True)
    name = models.TextField()
    description = models.TextField()
    parent_id = models.UUIDField(null=True)
    taxonomy = models.TextField(null=True)
    language = models.TextField(null=True)
    # HSDS names both the free-text `taxonomy` and the `taxonomy_id` reference; the reference
    # takes the name of its nested form, `taxonomy_detail`, and keeps its HSDS column.
    taxonomy_detail = models.ForeignKey(
        "Taxonomy",
        related_name="taxonomy_terms",
        null=True,
        db_column="taxonomy_id",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    term_uri = models.TextField(null=True)

    hsds_table = "taxonomy_term"


class Organization(HsdsRecord):
    """HSDS `organization`: The details about each organization delivering services."""

    name = models.TextField()
    alternate_name = models.TextField(null=True)
    description = models.TextField()
    email = models.TextField(null=True)
    website = models.TextField(null=True)
    tax_status = models.TextField(null=True)
    tax_id = models.TextField(null=True)
    year_incorporated = models.FloatField(null=True)
    legal_status = models.TextField(null=True)
    logo = models.TextField(null=True)
    uri = models.TextField(null=True)
    parent_organization_id = models.UUIDField(null=True)
    # Crossroads' own columns, outside HSDS:
    last_verified_on = models.DateField(
        null=True, help_text="When the directory maintainer last confirmed this record."
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_organizations",
        help_text="The Crossroads agency whose staff keep this listing and its capacity current.",
    )

    hsds_table = "organization"


class OrganizationIdentifier(HsdsRecord):
    """HSDS `organization_identifier`: The details of the third party identifiers for
    organizations, such as: company registration number, charity number, tax registration
    number.
    """

    organization = models.ForeignKey(
        "Organization",
        related_name="organization_identifiers",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    identifier_scheme = models.TextField(null=True)
    identifier_type = models.TextField()
    identifier = models.TextField()

    hsds_table = "organization_identifier"


class Program(HsdsRecord):
    """HSDS `program`: The details of collections of related services."""

    organization = models.ForeignKey(
        "Organization", related_name="programs", on_delete=models.DO_NOTHING, db_constraint=False
    )
    name = models.TextField()
    alternate_name = models.TextField(null=True)
    description = models.TextField()

    hsds_table = "program"


class Service(HsdsRecord):
    """HSDS `service`: The details of the services provided by organizations to a range of
    different groups.
    """

    organization = models.ForeignKey(
        "Organization", related_name="services", on_delete=models.DO_NOTHING, db_constraint=False
    )
    program = models.ForeignKey(
        "Program",
        related_name="services",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    name = models.TextField()
    alternate_name = models.TextField(null=True)
    description = models.TextField(null=True)
    url = models.TextField(null=True)
    email = models.TextField(null=True)
    status = models.TextField()
    interpretation_services = models.TextField(null=True)
    application_process = models.TextField(null=True)
    fees_description = models.TextField(null=True)
    wait_time = models.TextField(null=True)
    fees = models.TextField(null=True)
    accreditations = models.TextField(null=True)
    eligibility_description = models.TextField(null=True)
    minimum_age = models.FloatField(null=True)
    maximum_age = models.FloatField(null=True)
    assured_date = models.DateField(null=True)
    assurer_email = models.TextField(null=True)
    licenses = models.TextField(null=True)
    alert = models.TextField(null=True)
    last_modified = models.DateTimeField(null=True)

    # Crossroads' own columns, outside HSDS:
    last_verified_on = models.DateField(
        null=True, help_text="When the directory maintainer last confirmed this record."
    )

    hsds_table = "service"


class Location(HsdsRecord):
    """HSDS `location`: The locations where organizations operate."""

    location_type = models.TextField()
    url = models.TextField(null=True)
    organization = models.ForeignKey(
        "Organization",
        related_name="locations",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    name = models.TextField(null=True)
    alternate_name = models.TextField(null=True)
    description = models.TextField(null=True)
    transportation = models.TextField(null=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    external_identifier = models.TextField(null=True)
    external_identifier_type = models.TextField(null=True)

    # Crossroads' own columns, outside HSDS:
    last_verified_on = models.DateField(
        null=True, help_text="When the directory maintainer last confirmed this record."
    )

    hsds_table = "location"


class ServiceAtLocation(HsdsRecord):
    """HSDS `service_at_location`: A link between a service and a specific location."""

    service = models.ForeignKey(
        "Service",
        related_name="service_at_locations",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    location = models.ForeignKey(
        "Location",
        related_name="service_at_locations",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    description = models.TextField(null=True)

    hsds_table = "service_at_location"


class Address(HsdsRecord):
    """HSDS `address`: The addresses of locations where organizations operate."""

    location = models.ForeignKey(
        "Location",
        related_name="addresses",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    attention = models.TextField(null=True)
    address_1 = models.TextField()
    address_2 = models.TextField(null=True)
    city = models.TextField()
    region = models.TextField(null=True)
    state_province = models.TextField()
    postal_code = models.TextField()
    country = models.TextField()
    address_type = models.TextField()

    hsds_table = "address"


class Contact(HsdsRecord):
    """HSDS `contact`: The details of the named contacts for services and organizations."""

    organization = models.ForeignKey(
        "Organization",
        related_name="contacts",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    service = models.ForeignKey(
        "Service",
        related_name="contacts",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    service_at_location = models.ForeignKey(
        "ServiceAtLocation",
        related_name="contacts",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    location = models.ForeignKey(
        "Location",
        related_name="contacts",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    name = models.TextField(null=True)
    title = models.TextField(null=True)
    department = models.TextField(null=True)
    email = models.TextField(null=True)

    hsds_table = "contact"


class Phone(HsdsRecord):
    """HSDS `phone`: The details of the telephone numbers used to contact organizations, services,
    and locations.
    """

    location = models.ForeignKey(
        "Location",
        related_name="phones",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    service = models.ForeignKey(
        "Service",
        related_name="phones",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    organization = models.ForeignKey(
        "Organization",
        related_name="phones",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    contact = models.ForeignKey(
        "Contact",
        related_name="phones",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    service_at_location = models.ForeignKey(
        "ServiceAtLocation",
        related_name="phones",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    number = models.TextField()
    extension = models.FloatField(null=True)
    type = models.TextField(null=True)
    description = models.TextField(null=True)

    hsds_table = "phone"


class Schedule(HsdsRecord):
    """HSDS `schedule`: The details of when a service or location is open."""

    service = models.ForeignKey(
        "Service",
        related_name="schedules",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    location = models.ForeignKey(
        "Location",
        related_name="schedules",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    service_at_location = models.ForeignKey(
        "ServiceAtLocation",
        related_name="schedules",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    valid_from = models.DateField(null=True)
    valid_to = models.DateField(null=True)
    dtstart = models.DateField(null=True)
    timezone = models.FloatField(null=True)
    until = models.DateField(null=True)
    count = models.FloatField(null=True)
    wkst = models.TextField(null=True)
    freq = models.TextField(null=True)
    interval = models.FloatField(null=True)
    byday = models.TextField(null=True)
    byweekno = models.TextField(null=True)
    bymonthday = models.TextField(null=True)
    byyearday = models.TextField(null=True)
    description = models.TextField(null=True)
    opens_at = models.TimeField(null=True)
    closes_at = models.TimeField(null=True)
    schedule_link = models.TextField(null=True)
    attending_type = models.TextField(null=True)
    notes = models.TextField(null=True)

    hsds_table = "schedule"


class ServiceArea(HsdsRecord):
    """HSDS `service_area`: The details of the geographic area for which a service is available."""

    service = models.ForeignKey(
        "Service",
        related_name="service_areas",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    name = models.TextField(null=True)
    description = models.TextField(null=True)
    extent = models.TextField(null=True)
    extent_type = models.TextField(null=True)
    uri = models.TextField(null=True)

    hsds_table = "service_area"


class Language(HsdsRecord):
    """HSDS `language`: The languages that are spoken at locations or services."""

    service = models.ForeignKey(
        "Service",
        related_name="languages",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    location = models.ForeignKey(
        "Location",
        related_name="languages",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    phone = models.ForeignKey(
        "Phone",
        related_name="languages",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    name = models.TextField(null=True)
    code = models.TextField(null=True)
    note = models.TextField(null=True)

    hsds_table = "language"


class Funding(HsdsRecord):
    """HSDS `funding`: The sources of funding for a service or organization."""

    organization = models.ForeignKey(
        "Organization",
        related_name="funding",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    service = models.ForeignKey(
        "Service",
        related_name="funding",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    source = models.TextField(null=True)

    hsds_table = "funding"


class CostOption(HsdsRecord):
    """HSDS `cost_option`: The costs of a service at certain points in time."""

    service = models.ForeignKey(
        "Service", related_name="cost_options", on_delete=models.DO_NOTHING, db_constraint=False
    )
    valid_from = models.DateField(null=True)
    valid_to = models.DateField(null=True)
    option = models.TextField(null=True)
    currency = models.TextField(null=True)
    amount = models.DecimalField(max_digits=18, decimal_places=6, null=True)
    amount_description = models.TextField(null=True)

    hsds_table = "cost_option"


class Accessibility(HsdsRecord):
    """HSDS `accessibility`: The details of the arrangements for access to locations for people who
    have disabilities.
    """

    location = models.ForeignKey(
        "Location",
        related_name="accessibility",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    description = models.TextField(null=True)
    details = models.TextField(null=True)
    url = models.TextField(null=True)

    hsds_table = "accessibility"


class RequiredDocument(HsdsRecord):
    """HSDS `required_document`: The details of any documents that are required in order to access
    or use services.
    """

    service = models.ForeignKey(
        "Service",
        related_name="required_documents",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    document = models.TextField(null=True)
    uri = models.TextField(null=True)

    hsds_table = "required_document"


class Attribute(HsdsRecord):
    """HSDS `attribute`: A link between a service and one or more classifications that describe the
    nature of the service provided.
    """

    link_id = models.UUIDField(db_index=True)  # the search index reads attributes by record
    taxonomy_term = models.ForeignKey(
        "TaxonomyTerm", related_name="attributes", on_delete=models.DO_NOTHING, db_constraint=False
    )
    link_type = models.TextField(null=True)
    link_entity = models.TextField()
    value = models.TextField(null=True)

    hsds_table = "attribute"


class Metadata(HsdsRecord):
    """HSDS `metadata`: A record of the changes that have been made to the data in order to
    maintain provenance information.
    """

    resource_id = models.UUIDField()
    resource_type = models.TextField()
    last_action_date = models.DateField()
    last_action_type = models.TextField()
    field_name = models.TextField()
    previous_value = models.TextField()
    replacement_value = models.TextField()
    updated_by = models.TextField()

    hsds_table = "metadata"


class MetaTableDescription(HsdsRecord):
    """HSDS `meta_table_description`: Metadata about individual tables."""

    name = models.TextField(null=True)
    language = models.TextField(null=True)
    character_set = models.TextField(null=True)

    hsds_table = "meta_table_description"


# --- What Crossroads adds -------------------------------------------------------------------


class CapacityReport(models.Model):
    """One report of what a site can take now, by bed or slot type. Reports are never edited:
    the newest per (site, kind) is the current state, and the rest is the history."""

    class Kind(models.TextChoices):
        CRISIS_BED = "crisis_bed", "Crisis stabilisation bed"
        WITHDRAWAL_BED = "withdrawal_bed", "Withdrawal management (detox) bed"
        RESIDENTIAL_BED = "residential_bed", "Residential treatment bed"
        SHELTER_BED = "shelter_bed", "Shelter bed"
        OUTPATIENT_SLOT = "outpatient_slot", "Outpatient intake slot"
        WALK_IN_SLOT = "walk_in_slot", "Walk-in / same-day slot"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service_at_location = models.ForeignKey(
        ServiceAtLocation, on_delete=models.CASCADE, related_name="capacity_reports"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    available = models.PositiveIntegerField(null=True, blank=True, help_text="Open now.")
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Staffed in all.")
    accepting = models.BooleanField(help_text="Taking new people now.")
    wait_minutes = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["service_at_location", "kind", "-reported_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(available__isnull=True)
                | Q(total__isnull=True)
                | Q(available__lte=models.F("total")),
                name="capacity_available_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.reported_at:%Y-%m-%d %H:%M}"

    @property
    def has_room(self) -> bool:
        return self.accepting and (self.available is None or self.available > 0)


class VerificationTask(models.Model):
    """A record the maintainer must confirm: not verified within the configured period."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Verified"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record_table = models.CharField(max_length=40, help_text="The HSDS table: service, location…")
    record_id = models.UUIDField()
    record_name = models.TextField()
    last_verified_on = models.DateField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["last_verified_on", "record_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_table", "record_id"],
                condition=Q(status="open"),
                name="one_open_verification_task_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"Verify {self.record_table} {self.record_name}"


class ProposedChange(models.Model):
    """An edit an organisation's own staff made to its listing, live only once reviewed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved and live"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record_table = models.CharField(max_length=40)
    record_id = models.UUIDField()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="proposed_changes"
    )
    changes = models.JSONField(help_text="HSDS field -> proposed value.")
    previous = models.JSONField(help_text="HSDS field -> value when proposed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["proposed_at"]

    def __str__(self) -> str:
        return f"Change to {self.record_table} {self.record_id} ({self.status})"


class TermMapping(models.Model):
    """An agency's own taxonomy term read as one of the Crossroads categories in search."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, related_name="mappings")
    category = models.CharField(max_length=60, help_text="A Crossroads taxonomy code.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "category"], name="one_mapping_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.term_id} -> {self.category}"


class SearchEntry(models.Model):
    """One place a service can be reached (a service at a location, or a location-less service
    such as a phone line), flattened for search. Derived: `index.refresh_search_entries` rebuilds
    it from the HSDS records and capacity reports. The spatial index (SQLite R*Tree, PostgreSQL
    GiST on a point) sits beside it, keyed by this integer id."""

    id = models.BigAutoField(primary_key=True)
    service = models.ForeignKey(
        Service, related_name="+", on_delete=models.DO_NOTHING, db_constraint=False
    )
    location = models.ForeignKey(
        Location, related_name="+", null=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        related_name="+",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    organization_id = models.UUIDField(null=True)
    name = models.TextField()
    organization_name = models.TextField(blank=True)
    location_name = models.TextField(blank=True)
    address = models.TextField(blank=True, help_text="One line: street, city, state, ZIP.")
    text = models.TextField(help_text="Lower-cased words to match free text against.")
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    categories = models.TextField(help_text="Crossroads category codes as |a|b|.")
    languages = models.TextField(help_text="Language codes as |en|es|.")
    payments = models.TextField(help_text="Payment codes as |medicaid|free|.")
    police_drop_off = models.BooleanField(default=False)
    walk_in = models.BooleanField(default=False)
    minimum_age = models.FloatField(null=True)
    maximum_age = models.FloatField(null=True)
    time_zone = models.CharField(max_length=64)
    always_open = models.BooleanField(default=False)
    opening = models.JSONField(default=list, help_text="The schedules, compiled for opening.py.")
    closed_on_holidays = models.BooleanField(default=False)
    holiday_region = models.CharField(max_length=10, blank=True, help_text="e.g. US-WA")
    capacity_open = models.BooleanField(null=True, help_text="Newest report had room.")
    capacity_reported_at = models.DateTimeField(null=True)
    verified_on = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["service"]), models.Index(fields=["location"])]

    def __str__(self) -> str:
        return self.name
