from django.urls import path

from crossroads.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.sent, name="sent"),
    path("inbox/", views.inbox, name="inbox"),
    path("start/", views.referral_start, name="referral_start"),
    path("<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("<uuid:referral_id>/summary.pdf", views.referral_pdf, name="referral_pdf"),
    path("<uuid:referral_id>/edit/", views.referral_update, name="referral_update"),
    path("<uuid:referral_id>/send/", views.referral_send, name="referral_send"),
    path("<uuid:referral_id>/move/", views.referral_move, name="referral_move"),
]
