"""The notes app. Nothing here knows about tenants: the schema is already chosen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .forms import NoteForm
from .models import Note


@login_required
def note_list(request: HttpRequest) -> HttpResponse:
    """Every note of this tenant, and a form to add one."""
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        note.author = request.user  # type: ignore[assignment]
        note.save()
        return redirect("notes:list")
    notes = Note.objects.select_related("author")
    return render(request, "notes/list.html", {"notes": notes, "form": form})


@login_required
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a note."""
    note = get_object_or_404(Note, pk=pk)
    form = NoteForm(request.POST or None, instance=note)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("notes:list")
    return render(request, "notes/edit.html", {"note": note, "form": form})


@login_required
@require_POST
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a note."""
    get_object_or_404(Note, pk=pk).delete()
    return redirect("notes:list")
