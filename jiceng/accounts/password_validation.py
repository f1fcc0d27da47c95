"""The password rules beyond Django's own validators (等保 2.0): several kinds of character, and
the minimum length with a Chinese message (Django 5.2's Chinese catalogue lacks its new wording).

Common passwords and likeness to the user's name stay with Django's validators, which
AUTH_PASSWORD_VALIDATORS lists beside these.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

# The four kinds a password is made of. Everything that is not an ASCII letter or digit counts
# as a symbol: punctuation, spaces, and also Chinese characters, which no keyboard-walk or
# dictionary attack on Latin passwords guesses.
CLASS_NAMES = ("大写字母", "小写字母", "数字", "符号")


def character_classes(password: str) -> frozenset[str]:
    """The kinds of character `password` uses, named as in CLASS_NAMES."""
    found: set[str] = set()
    for char in password:
        if "A" <= char <= "Z":
            found.add("大写字母")
        elif "a" <= char <= "z":
            found.add("小写字母")
        elif "0" <= char <= "9":
            found.add("数字")
        else:
            found.add("符号")
    return frozenset(found)


class CharacterClassValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        if not 1 <= min_classes <= len(CLASS_NAMES):
            raise ValueError(f"min_classes must be between 1 and {len(CLASS_NAMES)}")
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                "密码至少要包含大写字母、小写字母、数字、符号中的 %(min_classes)d 种。",
                code="password_too_few_classes",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码至少要包含大写字母、小写字母、数字、符号中的 {self.min_classes} 种。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, saying it in Chinese."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
