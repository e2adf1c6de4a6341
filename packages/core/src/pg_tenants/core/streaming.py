"""Streaming responses that produce, and close, their body in the request's schema.

A streaming body is iterated, and closed, after ``TenantMiddleware`` has
returned and deactivated the request's tenant: its queries and its clean-up
(a generator's ``finally:``, run by ``response.close()`` when the client goes
away early) would otherwise run in whatever is active then.
:func:`keep_streaming_in_context` wraps the body and the response's closers so
that each step runs with the request's schema set.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpResponseBase

from .context import ActiveSchema, activate, deactivate, run_in


def run_in_context(active: ActiveSchema, func: Callable[[], Any]) -> Callable[[], Any]:
    """``func`` wrapped to run with ``active`` set (a streaming response's clean-up)."""
    return functools.partial(run_in, active, func)


class _IteratorInContext:
    """An iterator that steps and closes ``iterator`` with ``active`` set."""

    def __init__(self, active: ActiveSchema, iterator: Iterator[Any]) -> None:
        self._active = active
        self._iterator = iterator

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return run_in(self._active, self._iterator.__next__)

    def close(self) -> None:
        """Close the wrapped iterator (a generator's ``finally:`` blocks run) with the schema set."""
        close = getattr(self._iterator, "close", None)
        if close is not None:
            run_in(self._active, close)


class _AsyncIteratorInContext:
    """An async iterator that steps and closes ``iterator`` with ``active`` set."""

    def __init__(self, active: ActiveSchema, iterator: AsyncIterator[Any]) -> None:
        self._active = active
        self._iterator = iterator
        self._started = False
        self._finished = False
        self._closing: asyncio.Task[None] | None = None

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        self._started = True
        token = activate(self._active)
        try:
            return await anext(self._iterator)
        except BaseException:
            # Exhausted or failed: an async generator is finished either way.
            self._finished = True
            raise
        finally:
            deactivate(token)

    async def aclose(self) -> None:
        """Close the wrapped iterator (an async generator's ``finally:`` blocks run) with the schema set."""
        self._finished = True
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is None:
            return
        token = activate(self._active)
        try:
            await aclose()
        finally:
            deactivate(token)

    def close(self) -> None:
        """What ``response.close()`` calls: runs :meth:`aclose` when the body was left half-read.

        Django's servers call it from a worker thread, which can wait for the
        event loop; called from the event loop itself, the close is scheduled on it.
        """
        if not self._started or self._finished:
            self._finished = True
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            async_to_sync(self.aclose)()
            return
        # Keep a reference: the loop holds tasks weakly.
        self._closing = loop.create_task(self.aclose())


def iter_in_context(active: ActiveSchema, iterator: Iterator[Any]) -> Iterator[Any]:
    """``iterator`` with ``active`` set around each step and around ``close()`` (streaming responses)."""
    return _IteratorInContext(active, iterator)


def aiter_in_context(active: ActiveSchema, iterator: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The async form of :func:`iter_in_context`; ``aclose()``, and ``close()`` from a thread, run in ``active`` too."""
    return _AsyncIteratorInContext(active, iterator)


def keep_streaming_in_context(response: Any, active: ActiveSchema) -> Any:
    """Return ``response``; when it streams, its body and its closers run with ``active`` set.

    Any other response is returned untouched.
    """
    if isinstance(response, HttpResponseBase) and getattr(response, "streaming", False):
        # Django keeps no public handle on these: the closers run by close(), and the raw body.
        closers = response._resource_closers  # type: ignore[attr-defined]
        closers[:] = [run_in_context(active, closer) for closer in closers]
        content = response._iterator  # type: ignore[attr-defined]
        if getattr(response, "is_async", False):
            response.streaming_content = aiter_in_context(active, content)  # type: ignore[attr-defined]
        else:
            response.streaming_content = iter_in_context(active, iter(content))  # type: ignore[attr-defined]
    return response
