from __future__ import annotations

import os

from django.db import models

VERSION = int(os.environ.get("BENCH_SHOP_VERSION", "1"))


class Shop(models.Model):
    name = models.CharField(max_length=100)
    if VERSION >= 2:
        city = models.CharField(max_length=100, default="")
    if VERSION >= 3:
        rating = models.IntegerField(default=0)


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE)
    title = models.CharField(max_length=200, db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)


class Order(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    placed = models.DateTimeField(auto_now_add=True)
    quantity = models.PositiveIntegerField(default=1)
