"""JSON twins of the training pages."""

from ninja import Router

router = Router(tags=["training"])
