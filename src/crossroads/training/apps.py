from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "crossroads.training"
    label = "training"
    verbose_name = "Training"
