"""What the packages' system checks share: setting types, middleware order, dotted paths.

These build messages; each package's ``checks.py`` registers its own checks
and gives each message its id.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Sequence
from typing import Any, Union, get_args, get_origin

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.module_loading import import_string

from .conf import PackageSettings


def setting_type_errors(
    conf: PackageSettings, check_id: str, *, only: Collection[str] | None = None, skip: Collection[str] = ()
) -> list[CheckMessage]:
    """An error (``check_id``) for each setting whose value is not of the type its property declares.

    ``only`` limits the settings looked at; ``skip`` leaves out those whose
    own check already says what is wrong with any value.
    """
    errors: list[CheckMessage] = []
    for name, expected in conf.expected_types().items():
        if (only is not None and name not in only) or name in skip:
            continue
        value = getattr(conf, name)
        if not conforms(value, expected):
            wanted = describe(expected)
            errors.append(
                Error(f"{name} is {value!r}, which is not {wanted}.", hint=f"Set {name} to {wanted}.", id=check_id)
            )
    return errors


def conforms(value: Any, expected: Any) -> bool:
    """Whether ``value`` is of the annotated type ``expected`` (the forms settings use)."""
    origin = get_origin(expected)
    if expected is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(conforms(value, option) for option in get_args(expected))
    if expected is None or expected is type(None):
        return value is None
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin is Sequence:
        # A string is a sequence too, of characters: never what a list setting means.
        (item,) = get_args(expected)
        return isinstance(value, (list, tuple)) and all(conforms(v, item) for v in value)
    if origin is dict:
        key, item = get_args(expected)
        return isinstance(value, dict) and all(conforms(k, key) and conforms(v, item) for k, v in value.items())
    if origin is Callable:
        return callable(value)
    return isinstance(value, expected)


def describe(expected: Any) -> str:
    """``expected`` in words, for a check message: ``"True or False"``, ``"a list of strings"``."""
    origin = get_origin(expected)
    if origin in (Union, types.UnionType):
        return " or ".join(describe(option) for option in get_args(expected))
    if expected is None or expected is type(None):
        return "None"
    words = {bool: "True or False", int: "a whole number", float: "a number", str: "a string"}
    if expected in words:
        return words[expected]
    if origin is Sequence:
        (item,) = get_args(expected)
        options = get_args(item) if get_origin(item) in (Union, types.UnionType) else (item,)
        return "a list of " + " or ".join(f"{describe(option).removeprefix('a ')}s" for option in options)
    if origin is dict:
        key, item = (describe(arg).removeprefix("a ") for arg in get_args(expected))
        return f"a dict of {key}s to {item}s"
    if origin is Callable:
        return "a callable"
    return f"a {getattr(expected, '__name__', expected)}"


def middleware_order(
    path: str, *, must_precede: Sequence[str] = (), must_follow: Sequence[str] = ()
) -> list[str] | None:
    """Where ``path`` stands in ``MIDDLEWARE``: ``None`` when it is missing, else the entries out of order.

    The entries out of order are those of ``must_precede`` listed before it
    and those of ``must_follow`` listed after it, in ``MIDDLEWARE`` order.
    """
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if path not in middleware:
        return None
    position = middleware.index(path)
    before, after = middleware[:position], middleware[position + 1 :]
    return [m for m in before if m in must_precede] + [m for m in after if m in must_follow]


def dotted_path_problem(path: str, *, must_be_callable: bool = True) -> str | None:
    """Why the dotted path ``path`` cannot be used (its ``ImportError``, or not callable); ``None`` when it can."""
    try:
        target = import_string(path)
    except ImportError as exc:
        return str(exc)
    if must_be_callable and not callable(target):
        return "it is not callable"
    return None
