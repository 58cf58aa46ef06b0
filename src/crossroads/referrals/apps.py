from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "crossroads.referrals"
    label = "referrals"
    verbose_name = "Referrals"
