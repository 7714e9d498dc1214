"""One way to read a parameter from a request: ids, pages, page sizes and short texts.

Every query-string or POST value a view uses goes through a form or filter field, or through the helpers
here, so that a hostile value (`²`, a 30-digit number, `-1`, `abc`, a NUL byte) gives an empty result,
the first page or a form error — never a server error, on SQLite and PostgreSQL alike.

Why our own and not a library: the rules are four lines each and specific to our database (a bigint id is
at most 2**63−1; `str.isdigit()` accepts "²" and "١" which `int()` or the database refuse)."""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # PostgreSQL bigint / SQLite INTEGER
MAX_INT = 2**31 - 1  # PostgreSQL integer (PositiveIntegerField and friends)
MAX_PAGE = 100_000
PER_PAGE_CHOICES = (10, 25, 50, 100)
MAX_IDS = 1000  # ids taken from one multi-valued parameter
MAX_TEXT = 200  # search boxes and other short free-text parameters
# The dates the platform stores (plans, campaigns, shifts); the database enforces them too.
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2200, 12, 31)

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
# Control characters (Unicode category Cc) other than tab, CR and LF; NUL among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse_int(value, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not _ASCII_DIGITS.fullmatch(text):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(value) -> int | None:
    """A database id (1 … 2**63−1) or None."""
    return parse_int(value, minimum=1, maximum=MAX_ID)


def parse_ids(values: Iterable, *, limit: int = MAX_IDS) -> list[int]:
    """The valid ids among `values` (others dropped), without duplicates, at most `limit` of them."""
    ids: list[int] = []
    for value in values:
        number = parse_id(value)
        if number is not None and number not in ids:
            ids.append(number)
            if len(ids) >= limit:
                break
    return ids


def parse_page(value) -> int:
    """A page number: 1 for anything that is not one, at most MAX_PAGE (the paginator clamps further)."""
    return parse_int(value, minimum=1, maximum=MAX_PAGE) or 1


def parse_per_page(value, default: int = 25) -> int:
    """A page size from PER_PAGE_CHOICES; the default for anything else."""
    number = parse_int(value, minimum=1, maximum=max(PER_PAGE_CHOICES))
    return number if number in PER_PAGE_CHOICES else default


def get_page(paginator: Paginator, value) -> Page:
    """The page asked for, clamped to the pages there are (never EmptyPage or PageNotAnInteger)."""
    return paginator.get_page(parse_page(value))


def has_control_characters(text: str, *, allow_newlines: bool = False) -> bool:
    """NUL or another control character (tab, CR and LF allowed only in multi-line text)."""
    if not text:
        return False
    if allow_newlines:
        return bool(_CONTROL.search(text))
    return bool(_CONTROL.search(text)) or any(c in text for c in "\t\r\n")


def clean_text(value, *, max_length: int = MAX_TEXT) -> str:
    """A short free-text parameter (a search box): control characters removed, trimmed, cut to length."""
    text = _CONTROL.sub("", str(value or "")).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return unicodedata.normalize("NFC", text).strip()[:max_length]


# --- Form and filter fields with bounds --------------------------------------------------------------

def _refuse_bad_pk(field, value):
    if value in field.empty_values:
        return
    key = getattr(field, "to_field_name", None) or "pk"
    if key == "pk" and parse_id(value) is None:
        raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice",
                              params={"value": value})


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses an id that is not 1 … 2**63−1 in ASCII digits before asking the
    database (Django's passes "²" or 30 digits on, and SQLite raises OverflowError)."""

    def to_python(self, value):
        if isinstance(value, self.queryset.model):
            return value
        _refuse_bad_pk(self, value)
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The multiple-choice variant: every id checked the same way, at most MAX_IDS of them."""

    def _check_values(self, value):
        value = list(value)
        if len(value) > MAX_IDS:
            raise ValidationError(_("Too many choices."), code="list")
        for item in value:
            if (getattr(self, "to_field_name", None) or "pk") == "pk" and parse_id(item) is None:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": item})
        return super()._check_values(value)


class BoundedIntegerField(forms.IntegerField):
    """An IntegerField within the database's integer range unless tighter bounds are given."""

    def __init__(self, *, max_value=MAX_INT, min_value=-MAX_INT - 1, **kwargs):
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)


class BoundedIdField(forms.IntegerField):
    """A hidden or plain id: 1 … 2**63−1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def bounded_formfield(db_field, **kwargs):
    """`formfield_callback` for ModelForms: foreign keys, many-to-many fields and integers get the
    bounded fields above."""
    from django.core.validators import MaxValueValidator, MinValueValidator
    from django.db import models

    if isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", BoundedModelChoiceField)
    elif isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", BoundedModelMultipleChoiceField)
    field = db_field.formfield(**kwargs)
    if isinstance(field, forms.IntegerField):
        if field.max_value is None or field.max_value > MAX_INT:
            field.max_value = MAX_INT
            field.validators.append(MaxValueValidator(MAX_INT))
        if field.min_value is None:
            field.min_value = -MAX_INT - 1
            field.validators.append(MinValueValidator(-MAX_INT - 1))
    return field


class BoundedModelForm(forms.ModelForm):
    """The base of our ModelForms: every generated field bounded (see bounded_formfield), whether or not
    the subclass writes its own `Meta`. A field whose model field takes its choices from a code table (a callable
    `choices(active_only=…, keep=…)`, e.g. the service categories and cities) offers the table's active values
    when the form is made, plus the value the edited object already has."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.core.exceptions import FieldDoesNotExist
        from django.utils.choices import CallableChoiceIterator

        for name, field in self.fields.items():
            try:
                choices = getattr(self._meta.model._meta.get_field(name), "_choices", None)
            except FieldDoesNotExist:
                continue
            if not (isinstance(choices, CallableChoiceIterator) and isinstance(field, forms.ChoiceField)):
                continue
            current = getattr(self.instance, name, None) if self.instance.pk else None
            try:
                values = choices.func(active_only=True, keep=[current] if current else [])
            except TypeError:  # a plain callable
                values = choices.func()
            field.choices = ([] if field.required else [("", "---------")]) + list(values)

    def __init_subclass__(cls, **kwargs):
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(bounded_formfield)
        super().__init_subclass__(**kwargs)

    def _post_clean(self):
        """The model's own checks after the form's: a field the form has already refused gets no more messages
        from them (a rule both check, e.g. a district of the chosen city, would say it twice, and the model would
        judge the refused field's old value)."""
        refused = {name: len(errors) for name, errors in self._errors.items()}
        super()._post_clean()
        for name, count in refused.items():
            del self._errors[name].data[count:]



# --- django-filter filters with the same bounds -------------------------------------------------------

class _BoundedFilterChoiceField(django_filters.fields.ModelChoiceField, BoundedModelChoiceField):
    pass


class _BoundedFilterMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField,
                                        BoundedModelMultipleChoiceField):
    pass


class BoundedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter with the id bounds of BoundedModelChoiceField."""

    field_class = _BoundedFilterChoiceField


class BoundedModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _BoundedFilterMultipleChoiceField


class BoundedNumberFilter(django_filters.NumberFilter):
    """A NumberFilter for whole numbers within the database's integer range."""

    field_class = BoundedIntegerField
