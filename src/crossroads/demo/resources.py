"""What the demo county's organisations offer: the catalogue `directory.py` draws from.

Each `Offer` is a kind of service as a directory lists it (its categories, hours, who may come,
how they get in, what it costs, whether it counts beds or slots); each `Kind` is a kind of
organisation (how many the county has, how they are named, what they may offer); `PROVIDERS`
are the county's own provider agencies as they list themselves. Hours and figures are plausible
for a mid-sized U.S. county, not taken from any real listing. Pure data: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# --- Opening hours --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    """One HSDS schedule row: these days, from `opens` to `closes` (the next day if earlier)."""

    byday: str
    opens: str
    closes: str


EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
WEEKDAYS = "MO,TU,WE,TH,FR"
ALWAYS = (Hours(EVERY_DAY, "00:00", "00:00"),)  # the whole day, every day (directory/opening.py)
# Named patterns, each with the variants a site draws one of.
HOURS: dict[str, tuple[tuple[Hours, ...], ...]] = {
    "always": (ALWAYS,),
    "overnight": (
        (Hours(EVERY_DAY, "19:00", "07:00"),),
        (Hours(EVERY_DAY, "18:00", "08:00"),),
        (Hours(EVERY_DAY, "20:00", "06:30"),),
    ),
    "office": (
        (Hours(WEEKDAYS, "08:00", "17:00"),),
        (Hours(WEEKDAYS, "08:30", "16:30"),),
        (Hours(WEEKDAYS, "09:00", "17:00"), Hours("TU,TH", "17:00", "20:00")),
        (Hours("MO,TU,WE,TH", "08:00", "19:00"), Hours("FR", "08:00", "17:00")),
    ),
    "dosing": (  # methadone clinics dose early, before work
        (Hours(WEEKDAYS, "05:30", "13:00"), Hours("SA", "07:00", "11:00")),
        (Hours(WEEKDAYS, "06:00", "14:00"), Hours("SA,SU", "08:00", "10:00")),
    ),
    "mornings": (
        (Hours(WEEKDAYS, "08:00", "11:00"),),
        (Hours("MO,WE,FR", "08:00", "12:00"),),
        (Hours(WEEKDAYS, "07:30", "10:30"),),
    ),
    "afternoons": (
        (Hours("MO,WE,FR", "13:00", "17:00"),),
        (Hours("TU,TH", "14:00", "18:00"), Hours("SA", "12:00", "15:00")),
        (Hours(WEEKDAYS, "12:00", "16:00"),),
    ),
    "evenings": (
        (Hours("TU,TH", "18:30", "20:00"), Hours("SA", "10:00", "11:30")),
        (Hours("MO,WE", "19:00", "20:30"),),
        (Hours(WEEKDAYS, "17:00", "21:00"),),
    ),
    "late": ((Hours(EVERY_DAY, "15:00", "23:00"),),),
    "extended": ((Hours(WEEKDAYS, "07:00", "19:00"), Hours("SA,SU", "09:00", "15:00")),),
    "retail": (
        (Hours(WEEKDAYS, "09:00", "21:00"), Hours("SA", "09:00", "18:00")),
        (Hours(WEEKDAYS, "08:00", "22:00"), Hours("SA,SU", "09:00", "18:00")),
    ),
}


# --- What services there are ----------------------------------------------------------------

ADULTS = (18.0, None, "Adults 18 and over.")
YOUTH = (12.0, 17.0, "Young people aged 12 to 17; a parent or guardian may come along.")
CHILDREN = (3.0, 17.0, "Children and teenagers up to 17, with their families.")
EVERYONE = (None, None, None)
Ages = tuple[float | None, float | None, str | None]

# Payment terms a service accepts, each with the chance it does, by the kind of payer mix.
PAYMENTS: dict[str, tuple[tuple[str, float], ...]] = {
    "free": (("free", 1.0), ("uninsured", 1.0)),
    "clinic": (
        ("medicaid", 0.95),
        ("medicare", 0.6),
        ("private-insurance", 0.8),
        ("sliding-scale", 0.45),
        ("uninsured", 0.3),
    ),
    "public": (
        ("medicaid", 1.0),
        ("medicare", 0.7),
        ("private-insurance", 0.6),
        ("sliding-scale", 0.8),
        ("uninsured", 1.0),
    ),
    "treatment": (
        ("medicaid", 1.0),
        ("private-insurance", 0.7),
        ("sliding-scale", 0.5),
        ("uninsured", 0.4),
    ),
    "hospital": (
        ("medicaid", 1.0),
        ("medicare", 1.0),
        ("private-insurance", 1.0),
        ("uninsured", 0.6),
    ),
}
FEES = {
    "free": "Free of charge.",
    "sliding-scale": "Fees on a sliding scale by household income; no one is turned away.",
    "insured": "Billed to insurance; ask about help with costs.",
}


@dataclass(frozen=True)
class Capacity:
    kind: str  # a CapacityReport kind
    fewest: int
    most: int
    reports: float = 1.0  # the share of such sites that report live


@dataclass(frozen=True)
class Offer:
    """A service an organisation may run: what it is and how a person gets in."""

    name: str
    categories: tuple[str, ...]
    description: str
    hours: str  # a key of HOURS
    payment: str = "clinic"  # a key of PAYMENTS
    access: tuple[str, ...] = ()  # access terms: walk-in, police-drop-off
    ages: Ages = EVERYONE
    capacity: Capacity | None = None
    located: bool = True  # False: a phone line or a team that comes to the person
    holidays: float = 0.0  # the chance it closes on public holidays
    how: str = "Call for an intake appointment."
    eligibility: str | None = None


WALK_IN = ("walk-in",)

CRISIS_LINE = Offer(
    "988 Suicide & Crisis Lifeline, Alder County",
    ("crisis-line",),
    "Call or text 988 any time for someone to talk to; counsellors can send the mobile crisis "
    "team and follow up the next day.",
    "always",
    "free",
    located=False,
    how="Call or text 988, or chat at 988lifeline.org.",
)
TEEN_TEXT_LINE = Offer(
    "Teen Text Line",
    ("crisis-line",),
    "Trained teen volunteers, supervised by counsellors, answer texts every afternoon and evening.",
    "late",
    "free",
    ages=YOUTH,
    located=False,
    how="Text TALK to the number below.",
)
WARMLINE = Offer(
    "Peer Warmline",
    ("crisis-line", "peer-recovery"),
    "Someone with lived experience to talk with before things become a crisis.",
    "late",
    "free",
    ages=ADULTS,
    located=False,
    how="Call; no need to give your name.",
)
MOBILE_CRISIS = Offer(
    "Mobile Crisis Team",
    ("mobile-crisis",),
    "A clinician and a peer come to the person in crisis anywhere in the county, around the "
    "clock; dispatch and police can request them.",
    "always",
    "free",
    located=False,
    how="Call 988 or the team's line; police and 911 call the team's direct line.",
)
YOUTH_MOBILE_CRISIS = replace(
    MOBILE_CRISIS,
    name="Youth Mobile Response and Stabilization",
    description="Comes to a child or teenager in crisis at home or at school within the hour, "
    "and stays involved for up to eight weeks.",
    ages=CHILDREN,
)
CRISIS_UNIT = Offer(
    "Crisis Stabilization Unit",
    ("crisis-stabilisation",),
    "A no-wrong-door unit open around the clock: assessment, a recliner bed for up to 23 hours, "
    "and short stays to stabilise. Officers may bring a person directly, without a medical "
    "clearance first.",
    "always",
    "public",
    access=("police-drop-off", "walk-in"),
    ages=ADULTS,
    capacity=Capacity("crisis_bed", 10, 16),
    how="Walk in, or police bring the person to the secure entrance; no appointment.",
    eligibility="Adults 18 and over in a mental-health or substance-use crisis.",
)
URGENT_CARE = replace(
    CRISIS_UNIT,
    name="Behavioral Health Urgent Care",
    capacity=Capacity("crisis_bed", 6, 10),
)
YOUTH_CRISIS_UNIT = replace(
    CRISIS_UNIT,
    name="Youth Crisis Stabilization",
    access=WALK_IN,
    ages=YOUTH,
    capacity=Capacity("crisis_bed", 4, 8),
    eligibility="Young people aged 12 to 17 in crisis; a parent or guardian is called.",
)
LIVING_ROOM = Offer(
    "Crisis Living Room",
    ("crisis-stabilisation", "peer-recovery"),
    "A calm, home-like place with peers and a clinician for someone in distress who does not "
    "need a bed.",
    "extended",
    "free",
    access=WALK_IN,
    ages=ADULTS,
    how="Walk in.",
)
DETOX = Offer(
    "Medically Monitored Withdrawal Management",
    ("withdrawal-management",),
    "Detox from alcohol, opioids and other drugs with nurses around the clock, and a plan for "
    "treatment afterwards.",
    "always",
    "treatment",
    access=WALK_IN,
    ages=ADULTS,
    capacity=Capacity("withdrawal_bed", 10, 24),
    how="Call or walk in for a same-day assessment, at any hour.",
    eligibility="Adults 18 and over in or facing withdrawal.",
)
AMBULATORY_DETOX = Offer(
    "Ambulatory Withdrawal Management",
    ("withdrawal-management",),
    "Daily visits to manage a mild withdrawal while living at home.",
    "office",
    ages=ADULTS,
    holidays=0.7,
)
RESIDENTIAL = Offer(
    "Residential Treatment",
    ("residential-sud",),
    "Live-in treatment for 28 to 90 days, with medication for opioid use disorder continued.",
    "always",
    "treatment",
    ages=ADULTS,
    capacity=Capacity("residential_bed", 16, 40),
    eligibility="Adults 18 and over with a substance use disorder.",
)
WOMENS_RESIDENTIAL = replace(
    RESIDENTIAL,
    name="Residential Treatment for Women and Children",
    capacity=Capacity("residential_bed", 12, 20),
    eligibility="Women, including pregnant women, who may bring children up to 12.",
)
OTP = Offer(
    "Methadone and Buprenorphine Treatment",
    ("moud",),
    "An opioid treatment program: same-day starts on methadone or buprenorphine, daily dosing "
    "and counselling.",
    "dosing",
    "treatment",
    access=WALK_IN,
    ages=ADULTS,
    capacity=Capacity("walk_in_slot", 4, 10),
    how="Walk in before 10:00 for a same-day start; photo ID helps but is not required.",
    eligibility="Adults with opioid use disorder.",
)
BUPRENORPHINE = Offer(
    "Same-day Buprenorphine Clinic",
    ("moud",),
    "Buprenorphine started the day you come, with a prescriber and a peer.",
    "mornings",
    "treatment",
    access=WALK_IN,
    ages=ADULTS,
    capacity=Capacity("walk_in_slot", 3, 8, reports=0.6),
    how="Walk in during clinic hours.",
    holidays=0.5,
)
BRIDGE_CLINIC = Offer(
    "Emergency Department Bridge Program",
    ("moud",),
    "Buprenorphine started in the emergency department, with a referral to a clinic in days.",
    "always",
    "hospital",
    access=WALK_IN,
    ages=ADULTS,
    how="Ask for the bridge program at the emergency department.",
)
COUNSELING = Offer(
    "Adult Outpatient Counseling",
    ("outpatient-mental-health",),
    "Individual and group therapy for depression, anxiety, trauma and other concerns.",
    "office",
    ages=ADULTS,
    capacity=Capacity("outpatient_slot", 5, 20, reports=0.25),
    holidays=0.7,
)
CHILD_THERAPY = replace(
    COUNSELING,
    name="Child and Family Therapy",
    description="Therapy for children and teenagers, with their families.",
    ages=CHILDREN,
    capacity=None,
)
PSYCHIATRY = replace(
    COUNSELING,
    name="Psychiatric Evaluation and Medication",
    description="Assessment and medication management by psychiatrists and nurse practitioners.",
    capacity=None,
)
GROUP_THERAPY = replace(
    COUNSELING,
    name="Therapy Groups",
    description="Weekly groups: coping skills, grief, anger, dual recovery.",
    capacity=None,
)
CASE_MANAGEMENT = replace(
    COUNSELING,
    name="Community Case Management",
    description="Help with benefits, housing, appointments and daily life alongside treatment.",
    capacity=None,
)
CO_OCCURRING = replace(
    COUNSELING,
    name="Co-occurring Intensive Outpatient Program",
    description="Three evenings a week of treatment for mental health and substance use together.",
    payment="treatment",
    capacity=None,
)
SAME_DAY_ACCESS = Offer(
    "Same-day Mental Health Access",
    ("outpatient-mental-health",),
    "An assessment on the day you come, and a first appointment within a week.",
    "mornings",
    "public",
    access=WALK_IN,
    capacity=Capacity("walk_in_slot", 4, 12),
    how="Walk in during access hours.",
    holidays=0.8,
)
VETERANS_COUNSELING = replace(
    COUNSELING,
    name="Veterans Counseling",
    description="Counselling for veterans and their families, whatever the discharge.",
    payment="free",
    capacity=None,
    eligibility="Veterans and their families.",
)
PEER_COACHING = Offer(
    "Peer Recovery Coaching",
    ("peer-recovery",),
    "A recovery coach with lived experience to help you get to and stay in recovery, on your "
    "terms.",
    "office",
    "free",
    access=WALK_IN,
    ages=ADULTS,
    how="Walk in or call.",
    holidays=0.5,
)
MEETINGS = Offer(
    "Recovery Support Meetings",
    ("peer-recovery",),
    "Open all-recovery meetings; everyone welcome, no sign-up.",
    "evenings",
    "free",
    access=WALK_IN,
    how="Just come.",
)
FAMILY_SUPPORT = replace(
    MEETINGS,
    name="Family Support Group",
    description="For parents, partners and friends of someone with a mental illness or addiction.",
)
YOUTH_PEER = replace(
    PEER_COACHING,
    name="Youth Peer Support",
    description="Young adults in recovery supporting teenagers.",
    ages=YOUTH,
)
POST_OVERDOSE = Offer(
    "Post-overdose Outreach",
    ("peer-recovery", "harm-reduction", "naloxone"),
    "A peer and a nurse visit within three days of an overdose with naloxone, support and a "
    "way into treatment.",
    "office",
    "free",
    located=False,
    how="Referred by EMS or police; families may also call.",
)
SYRINGE_SERVICES = Offer(
    "Syringe Services Program",
    ("harm-reduction",),
    "Sterile supplies, safe disposal, wound care, testing and a way into treatment; anonymous.",
    "afternoons",
    "free",
    access=WALK_IN,
    how="Walk in; no ID or name needed.",
)
DRUG_CHECKING = replace(
    SYRINGE_SERVICES,
    name="Fentanyl Test Strips and Drug Checking",
    description="Test strips to take away and drug checking on site.",
)
OUTREACH_VAN = replace(
    SYRINGE_SERVICES,
    name="Street Outreach Van",
    categories=("harm-reduction", "naloxone"),
    description="The van stops at known places across the county with supplies and naloxone.",
    located=False,
    how="Call or text for the week's stops.",
)
NALOXONE = Offer(
    "Free Naloxone (Narcan)",
    ("naloxone",),
    "Free naloxone nasal spray, no prescription or questions, with a one-minute how-to.",
    "office",
    "free",
    access=WALK_IN,
    how="Ask at the desk.",
)
NALOXONE_TRAINING = replace(
    NALOXONE,
    name="Overdose Response Training",
    description="One-hour training: recognise an overdose, give naloxone, rescue breathing.",
    hours="evenings",
    how="Drop in, or call to book a session for a group.",
)
NALOXONE_BOX = replace(
    NALOXONE,
    name="Naloxone Vending Box",
    description="A free, anonymous naloxone box outside the building, open at all hours.",
    hours="always",
    how="Take what you need.",
)
SHELTER = Offer(
    "Emergency Overnight Shelter",
    ("housing-shelter",),
    "A bed, a shower and an evening meal; doors open in the evening and close in the morning.",
    "overnight",
    "free",
    access=WALK_IN,
    ages=ADULTS,
    capacity=Capacity("shelter_bed", 20, 80),
    how="Come to the door at opening time; beds are first come, first served.",
)
FAMILY_SHELTER = replace(
    SHELTER,
    name="Women and Families Shelter",
    description="Rooms for women and for parents with children, open all day.",
    hours="always",
    ages=EVERYONE,
    capacity=Capacity("shelter_bed", 12, 40),
    how="Call the intake line first.",
)
YOUTH_SHELTER = replace(
    SHELTER,
    name="Youth Emergency Shelter",
    description="Short stays for young people who cannot go home, with family mediation.",
    hours="always",
    ages=YOUTH,
    capacity=Capacity("shelter_bed", 6, 12),
    how="Call any time.",
)
WARMING_CENTER = replace(
    SHELTER,
    name="Winter Warming Center",
    description="Cots and hot drinks on cold nights, November to March.",
    ages=EVERYONE,
    capacity=Capacity("shelter_bed", 10, 30, reports=0.5),
)
PEER_RESPITE = replace(
    SHELTER,
    name="Peer Respite House",
    categories=("housing-shelter", "peer-recovery"),
    description="A peer-run house for up to a week's stay during a crisis, as an alternative to "
    "hospital.",
    hours="always",
    capacity=Capacity("shelter_bed", 4, 6),
    how="Call to talk with a peer about a stay.",
)
RECOVERY_HOUSING = Offer(
    "Recovery Housing",
    ("housing-shelter", "peer-recovery"),
    "Alcohol- and drug-free shared homes with peer support; residents on MOUD welcome.",
    "office",
    "treatment",
    ages=ADULTS,
    eligibility="Adults in recovery from substance use.",
)
DAY_CENTER = Offer(
    "Day Center",
    ("housing-shelter",),
    "Somewhere to be in the day: showers, laundry, mail, lunch and a case manager.",
    "office",
    "free",
    access=WALK_IN,
    ages=ADULTS,
    how="Walk in.",
)
HOUSING_NAVIGATION = Offer(
    "Housing Navigation",
    ("housing-shelter",),
    "Help finding and keeping housing: applications, deposits, landlords.",
    "office",
    "free",
    access=WALK_IN,
    holidays=0.8,
)


# --- Who runs them --------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """One of the county's own provider agencies, as it lists itself."""

    description: str
    offers: tuple[Offer, ...]
    zips: tuple[str, ...]  # a location in each


PROVIDERS = {  # keys of county.AGENCIES
    "acbh": Provider(
        "The county's community mental-health agency: crisis services, clinics across the county.",
        (
            MOBILE_CRISIS,
            COUNSELING,
            SAME_DAY_ACCESS,
            CHILD_THERAPY,
            PSYCHIATRY,
            CASE_MANAGEMENT,
        ),
        ("45402", "45377", "45342"),
    ),
    "csu": Provider(
        "The county's crisis stabilisation unit, the drop-off point for police.",
        (replace(CRISIS_UNIT, capacity=Capacity("crisis_bed", 16, 16)), LIVING_ROOM),
        ("45417",),
    ),
    "harbor": Provider(
        "Addiction treatment: detox, residential and outpatient care.",
        (DETOX, RESIDENTIAL, CO_OCCURRING, NALOXONE),
        ("45403",),
    ),
    "northside": Provider(
        "An opioid treatment program on the north side of Riverton.",
        (OTP, BUPRENORPHINE, NALOXONE),
        ("45405",),
    ),
    "arc": Provider(
        "A recovery community organisation run by and for people in recovery.",
        (PEER_COACHING, MEETINGS, FAMILY_SUPPORT, POST_OVERDOSE, NALOXONE_TRAINING),
        ("45410",),
    ),
}


@dataclass(frozen=True)
class Kind:
    """A kind of organisation: how many, how they are named and what they may offer."""

    count: int
    names: tuple[str, ...]  # patterns; see `_name`
    description: str
    offers: tuple[tuple[Offer, float], ...]  # each with its chance; the first if none is drawn
    sites: tuple[int, int] = (1, 1)
    nonprofit: bool = True


SAINTS = ("Brigid", "Columba", "Anthony", "Monica", "Jude", "Vincent", "Clare", "Martin")
VIRTUES = ("Grace", "Hope", "Trinity", "Redeemer", "Good Shepherd", "Bethel", "New Life", "Zion")
DENOMINATIONS = ("Lutheran", "Methodist", "Baptist", "Presbyterian", "AME", "Episcopal")
SURNAMES = ("Hollis", "Marlowe", "Okafor", "Brennan", "Dunmore", "Castellano", "Whitcomb")

HOSPITAL = "A hospital with an emergency department and behavioural-health services."
HOSPITAL_OFFERS = (
    (PSYCHIATRY, 0.7),
    (URGENT_CARE, 0.5),
    (DETOX, 0.5),
    (BRIDGE_CLINIC, 0.7),
    (NALOXONE_BOX, 0.5),
    (YOUTH_CRISIS_UNIT, 0.2),
)
KINDS = (
    Kind(
        30,
        (
            "{place} Counseling Center",
            "{place} Family Services",
            "{place} Behavioral Health",
            "{surname} Psychological Associates",
            "{place} Wellness Center",
            "{place} Child & Family Guidance",
        ),
        "Outpatient mental-health care for {place} and the surrounding area.",
        (
            (COUNSELING, 0.95),
            (CHILD_THERAPY, 0.55),
            (PSYCHIATRY, 0.65),
            (GROUP_THERAPY, 0.55),
            (CASE_MANAGEMENT, 0.45),
            (SAME_DAY_ACCESS, 0.3),
            (CO_OCCURRING, 0.25),
        ),
        sites=(1, 2),
    ),
    Kind(
        10,
        ("{place} Addiction Services", "{virtue} Recovery Center", "{place} Treatment Center"),
        "Treatment for alcohol and drug use.",
        (
            (CO_OCCURRING, 0.8),
            (DETOX, 0.4),
            (RESIDENTIAL, 0.5),
            (WOMENS_RESIDENTIAL, 0.15),
            (AMBULATORY_DETOX, 0.4),
            (BUPRENORPHINE, 0.4),
            (RECOVERY_HOUSING, 0.2),
            (NALOXONE, 0.5),
            (MEETINGS, 0.4),
        ),
    ),
    Kind(
        6,
        ("{place} Comprehensive Treatment Center", "{place} Recovery Medicine"),
        "An opioid treatment program certified for methadone and buprenorphine.",
        ((OTP, 1.0), (CO_OCCURRING, 0.3), (NALOXONE, 0.8), (PEER_COACHING, 0.3)),
        nonprofit=False,
    ),
    *(
        Kind(
            1,
            (name,),
            HOSPITAL,
            HOSPITAL_OFFERS,
            sites=(1, 2),
        )
        for name in ("Riverton General Hospital", "Alder Valley Medical Center")
    ),
    Kind(
        2,
        ("{place} Medical Center", "St. {saint} Medical Center"),
        HOSPITAL,
        HOSPITAL_OFFERS,
        sites=(1, 2),
    ),
    Kind(
        12,
        ("{place} Community Health Center", "{place} Free Clinic", "{place} Family Health"),
        "Primary care with behavioural health under one roof, whatever you can pay.",
        (
            (COUNSELING, 0.8),
            (BUPRENORPHINE, 0.6),
            (NALOXONE, 0.8),
            (PSYCHIATRY, 0.3),
            (CHILD_THERAPY, 0.3),
        ),
        sites=(1, 2),
    ),
    Kind(
        14,
        (
            "{place} Rescue Mission",
            "{virtue} House Shelter",
            "{surname} House",
            "{place} Shelter Network",
        ),
        "Emergency shelter and a way back into housing.",
        (
            (SHELTER, 0.7),
            (FAMILY_SHELTER, 0.3),
            (HOUSING_NAVIGATION, 0.5),
            (DAY_CENTER, 0.4),
            (NALOXONE, 0.3),
            (CASE_MANAGEMENT, 0.2),
        ),
    ),
    Kind(
        25,
        (
            "St. {saint} Catholic Church",
            "{virtue} {denomination} Church",
            "First {denomination} Church of {place}",
            "{place} Friends Meeting",
        ),
        "A congregation that opens its doors to recovery groups and neighbours in need.",
        (
            (MEETINGS, 0.75),
            (FAMILY_SUPPORT, 0.35),
            (WARMING_CENTER, 0.3),
            (replace(NALOXONE, hours="evenings"), 0.3),
            (HOUSING_NAVIGATION, 0.1),
        ),
    ),
    Kind(
        9,
        (
            "{place} Recovery Café",
            "{virtue} Peer Recovery Center",
            "{place} Recovery Community Center",
            "{place} Clubhouse",
        ),
        "Peer-run recovery support: coaching, meetings and a place to belong.",
        (
            (PEER_COACHING, 1.0),
            (MEETINGS, 0.8),
            (NALOXONE, 0.6),
            (FAMILY_SUPPORT, 0.3),
            (YOUTH_PEER, 0.2),
            (PEER_RESPITE, 0.15),
            (NALOXONE_TRAINING, 0.4),
            (HOUSING_NAVIGATION, 0.2),
        ),
    ),
    Kind(
        6,
        ("{place} Harm Reduction Coalition", "{place} Syringe Services", "Safer {place}"),
        "Harm reduction: meeting people where they are, without conditions.",
        (
            (SYRINGE_SERVICES, 1.0),
            (replace(NALOXONE, hours="afternoons"), 1.0),
            (DRUG_CHECKING, 0.6),
            (OUTREACH_VAN, 0.5),
            (POST_OVERDOSE, 0.3),
            (PEER_COACHING, 0.3),
        ),
    ),
    Kind(
        1,
        ("Alder County Crisis Call Center",),
        "The county's 988 call center: phone, text and chat crisis support.",
        ((CRISIS_LINE, 1.0), (WARMLINE, 1.0), (TEEN_TEXT_LINE, 1.0)),
    ),
    Kind(
        1,
        ("Alder Children's Crisis Services",),
        "Crisis care for children and teenagers, at home, at school and on site.",
        ((YOUTH_MOBILE_CRISIS, 1.0), (YOUTH_CRISIS_UNIT, 1.0), (CHILD_THERAPY, 1.0)),
    ),
    Kind(
        8,
        ("{place} Youth Services", "{place} Youth Haven", "Boys & Girls Club of {place}"),
        "Services for children, teenagers and their families.",
        (
            (CHILD_THERAPY, 0.7),
            (YOUTH_PEER, 0.5),
            (YOUTH_SHELTER, 0.3),
            (YOUTH_CRISIS_UNIT, 0.15),
            (FAMILY_SUPPORT, 0.3),
        ),
    ),
    Kind(
        10,
        ("{place} Pharmacy", "{surname} Drug", "{place} Apothecary"),
        "A community pharmacy.",
        ((replace(NALOXONE, hours="retail", payment="clinic"), 1.0),),
        nonprofit=False,
    ),
    Kind(
        6,
        ("{surname} Recovery Residence", "{virtue} House", "{place} Sober Living"),
        "Recovery residences certified by the state.",
        ((RECOVERY_HOUSING, 1.0), (PEER_COACHING, 0.4)),
    ),
    Kind(
        1,
        ("Alder County Public Health",),
        "The county health department.",
        (
            (SYRINGE_SERVICES, 1.0),
            (NALOXONE_TRAINING, 1.0),
            (NALOXONE_BOX, 1.0),
            (OUTREACH_VAN, 1.0),
        ),
    ),
    Kind(
        1,
        ("Alder County Veterans Service Office",),
        "Benefits, transport and counselling for the county's veterans.",
        ((VETERANS_COUNSELING, 1.0), (PEER_COACHING, 1.0)),
    ),
    Kind(
        1,
        ("Riverton Public Library",),
        "The public library, with a social worker on staff.",
        ((NALOXONE_BOX, 1.0), (HOUSING_NAVIGATION, 1.0)),
    ),
)
