from django.urls import path

from crossroads.consent import views

app_name = "consent"

urlpatterns = [
    # A person's consents, and one consent with its revocation and events.
    path("people/<uuid:person_id>/", views.person_consents, name="person_consents"),
    path("people/<uuid:person_id>/new/", views.consent_new, name="consent_new"),
    path("<uuid:consent_id>/", views.consent_detail, name="consent_detail"),
    path("<uuid:consent_id>/signed-form/", views.signed_form, name="signed_form"),
    path("<uuid:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("<uuid:consent_id>/events/", views.consent_event, name="consent_event"),
    # The accounting of disclosures: one person's, and the agency's.
    path(
        "people/<uuid:person_id>/disclosures/",
        views.person_disclosures,
        name="person_disclosures",
    ),
    path(
        "people/<uuid:person_id>/disclosures.csv",
        views.person_disclosures_csv,
        name="person_disclosures_csv",
    ),
    path(
        "people/<uuid:person_id>/disclosures.pdf",
        views.person_disclosures_pdf,
        name="person_disclosures_pdf",
    ),
    path("disclosures/", views.accounting, name="accounting"),
    path("disclosures.csv", views.accounting_csv, name="accounting_csv"),
    # Court orders (§§2.64-2.65), decided by a second person.
    path("court-orders/", views.court_order_list, name="court_order_list"),
    path("court-orders/new/", views.court_order_new, name="court_order_new"),
    path("court-orders/<uuid:order_id>/", views.court_order_detail, name="court_order_detail"),
    path(
        "court-orders/<uuid:order_id>/document/",
        views.court_order_document,
        name="court_order_document",
    ),
    path(
        "court-orders/<uuid:order_id>/decide/",
        views.court_order_decide,
        name="court_order_decide",
    ),
    # Break-glass access in a medical emergency (§2.51).
    path("people/<uuid:person_id>/emergency/", views.emergency_new, name="emergency_new"),
    path("emergencies/", views.emergency_list, name="emergency_list"),
]
