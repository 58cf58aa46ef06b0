from django.urls import path

from crossroads.referrals import views

app_name = "referrals"

urlpatterns = [
    path("start/", views.referral_start, name="referral_start"),
    path("<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
]
