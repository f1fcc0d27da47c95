from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator


class CodeForm(forms.Form):
    """The six digits an authenticator app shows."""

    code = forms.CharField(
        label="验证码",
        max_length=12,
        validators=[RegexValidator(r"^\s*\d{3}\s?\d{3}\s*$", "请输入 6 位数字。")],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": r"\s*\d{3}\s?\d{3}\s*",
            }
        ),
        error_messages={"required": "请输入验证码。"},
    )
