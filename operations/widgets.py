"""Form widgets of the back-office."""
from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A <select> whose options are written in Python. Django renders every <option> through a template
    (about 0.1 ms each): a city-wide officer's unit filter has 1,500 options and took most of the
    volunteer list's time. Same markup, single choice only."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        if self.is_required and self.use_required_attribute(value):
            final.setdefault("required", True)
        selected = set(self.format_value(value))
        parts = [f"<select{flatatt(final)}>"]
        for option_value, option_label in self._choice_pairs():
            if isinstance(option_label, (list, tuple)):
                parts.append(f'<optgroup label="{escape(option_value)}">')
                parts.extend(self._option(v, label, selected) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, selected))
        parts.append("</select>")
        return mark_safe("\n".join(parts))

    def _choice_pairs(self):
        """The choices; for a model whose `choice_labels(queryset)` gives (pk, label) pairs from plain
        values (OrgNode: 1,500 units for a city-wide officer), without building a model instance per
        option, unless the field labels its options its own way."""
        choices = self.choices
        if isinstance(choices, ModelChoiceIterator):
            field = choices.field
            labels = getattr(field.queryset.model, "choice_labels", None)
            if (labels is not None and getattr(field, "null_label", None) is None
                    and type(field).label_from_instance is forms.ModelChoiceField.label_from_instance):
                if field.empty_label is not None:
                    yield "", field.empty_label
                yield from labels(field.queryset)
                return
        yield from choices

    @staticmethod
    def _option(value, label, selected) -> str:
        value = "" if value is None else str(value)
        mark = " selected" if value in selected else ""
        return f'<option value="{escape(value)}"{mark}>{escape(label)}</option>'


def fast_selects(form) -> None:
    """Swap the plain Select widgets of `form` for FastSelect (same attributes and choices)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=dict(widget.attrs))
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast


class PrivateFileInput(forms.ClearableFileInput):
    """A file input for a private file (operations/storage.py): says that a file is attached, without the
    link to `file.url` that Django's widget prints (private files have no URL; the page links to the
    serving view instead)."""

    template_name = "operations/widgets/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))
