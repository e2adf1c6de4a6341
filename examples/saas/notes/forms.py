from __future__ import annotations

from django import forms

from .models import Note


class NoteForm(forms.ModelForm):
    """Title and text of a note."""

    class Meta:
        model = Note
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
