from __future__ import annotations

from django.db import models


class Widget(models.Model):
    name = models.CharField(max_length=63)
    size = models.IntegerField(default=0)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
    category = models.ForeignKey("catalog.Category", null=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [models.Index(fields=["name", "size"], name="widget_name_size")]
        constraints = [models.CheckConstraint(condition=models.Q(size__gte=0), name="widget_size_positive")]


class Gadget(models.Model):
    widget = models.OneToOneField(Widget, on_delete=models.CASCADE)
    code = models.UUIDField(unique=True)


class Tag(models.Model):
    """Created by ``migrations_v3`` on (replay tests), renamed ``Label`` by ``migrations_v5``; no other test uses it."""

    label = models.CharField(max_length=40, unique=True)
    widget = models.ForeignKey(Widget, on_delete=models.CASCADE)
    category = models.ForeignKey("catalog.Category", null=True, on_delete=models.SET_NULL)
