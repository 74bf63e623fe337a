"""Forms of the account, user-administration and audit pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group

from hygeia.core.models import AuditAction, User


class LoginForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    confirm_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        value: str = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("That is not your current password.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, confirm = data.get("new_password"), data.get("confirm_password")
        if new and confirm and new != confirm:
            self.add_error("confirm_password", "The two passwords differ.")
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password", error)
        return data


def _role_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Group.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Roles",
    )


class UserForm(forms.ModelForm):
    roles = _role_field()

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.groups.all())


class NewUserForm(UserForm):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Initial password; give it to the user through a separate channel.",
    )

    def clean_password(self) -> str:
        value: str = self.cleaned_data["password"]
        candidate = User(
            username=self.cleaned_data.get("username", ""),
            email=self.cleaned_data.get("email", ""),
            first_name=self.cleaned_data.get("first_name", ""),
            last_name=self.cleaned_data.get("last_name", ""),
        )
        password_validation.validate_password(value, candidate)
        return value


class AuditFilterForm(forms.Form):
    who = forms.CharField(
        required=False,
        label="Who",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "username"}),
    )
    action = forms.ChoiceField(
        required=False, label="What", choices=[("", "Any action"), *AuditAction.choices]
    )
    outcome = forms.ChoiceField(
        required=False,
        label="Outcome",
        choices=[("", "Any outcome"), ("success", "Success"), ("failure", "Failure")],
    )
    object_type = forms.CharField(
        required=False,
        label="Record type",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. core.user"}),
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Token name", help_text="What will use it, e.g. 'SIEM export'."
    )
    days = forms.IntegerField(min_value=1, max_value=366, initial=90, label="Valid for (days)")


def posted_id(data: Any, name: str) -> int:
    """The record id a form sent as `name`, or 0 (which matches nothing) when the field is
    empty or not a number: a tampered field is "nothing chosen", not a server error."""
    value = str(data.get(name) or "").strip()
    return int(value) if value.isdigit() else 0


def posted_ids(data: Any, name: str) -> list[int]:
    """Every record id a form sent as `name` (a multiple choice), numbers only."""
    return [int(v) for v in data.getlist(name) if str(v).strip().isdigit()]
