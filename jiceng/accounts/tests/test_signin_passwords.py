"""The password policy: at least 8 characters, 3 kinds of character, not common, not the name."""

from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jiceng.accounts.models import User
from jiceng.accounts.password_validation import (
    CLASS_NAMES,
    CharacterClassValidator,
    character_classes,
)

UPPER = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
LOWER = st.sampled_from("abcdefghijklmnopqrstuvwxyz")
DIGIT = st.sampled_from("0123456789")
SYMBOL = st.sampled_from("!@#$%^&*()-_=+[]{};:,.<>/? 党建")
KINDS = {"大写字母": UPPER, "小写字母": LOWER, "数字": DIGIT, "符号": SYMBOL}


def password_of(kinds: list[str]) -> st.SearchStrategy[str]:
    """Passwords using exactly `kinds`, each at least once, in any order."""
    each = [st.lists(KINDS[k], min_size=1, max_size=6).map("".join) for k in kinds]
    return st.tuples(*each).flatmap(
        lambda parts: st.permutations(list("".join(parts))).map("".join)
    )


@given(
    st.sets(st.sampled_from(CLASS_NAMES), min_size=1).flatmap(
        lambda kinds: st.tuples(st.just(kinds), password_of(sorted(kinds)))
    )
)
def test_character_classes_finds_exactly_the_kinds_used(case: tuple[set[str], str]) -> None:
    kinds, password = case

    assert character_classes(password) == kinds


@given(
    st.sets(st.sampled_from(CLASS_NAMES), min_size=3).flatmap(
        lambda kinds: password_of(sorted(kinds))
    )
)
def test_three_or_four_kinds_pass(password: str) -> None:
    CharacterClassValidator(min_classes=3).validate(password)


@given(
    st.sets(st.sampled_from(CLASS_NAMES), min_size=1, max_size=2).flatmap(
        lambda kinds: password_of(sorted(kinds))
    )
)
def test_one_or_two_kinds_fail(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CharacterClassValidator(min_classes=3).validate(password)

    assert refused.value.error_list[0].code == "password_too_few_classes"


def test_message_and_help_text_are_chinese() -> None:
    validator = CharacterClassValidator(min_classes=3)

    with pytest.raises(ValidationError) as refused:
        validator.validate("abcdefgh12")

    assert refused.value.messages == ["密码至少要包含大写字母、小写字母、数字、符号中的 3 种。"]
    assert "3 种" in validator.get_help_text()


def test_min_classes_out_of_range_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        CharacterClassValidator(min_classes=5)


@pytest.mark.parametrize(
    "password",
    [
        "Pa55word!x",  # the personas' password
        "Xianlin-2024",
        "Ziyun#Peak8412",  # a demo login
        "党建Cloud2024",  # Chinese characters count as symbols
    ],
)
def test_the_configured_policy_accepts(password: str, db: None) -> None:
    password_validation.validate_password(password, User(username="li-xiuying"))


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1!xyz", "密码太短，至少需要 8 个字符"),  # 7 characters
        ("abcdefgh12", "大写字母、小写字母、数字、符号中的 3 种"),
        ("ABCDEFGH!!", "大写字母、小写字母、数字、符号中的 3 种"),
        ("Password1", "太常见"),  # three kinds, but on every list of common passwords
        ("Li-Xiuying1", "用户名"),  # too like the username
    ],
)
def test_the_configured_policy_refuses(password: str, why: str, db: None) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password, User(username="li-xiuying"))

    assert any(why in message for message in refused.value.messages), refused.value.messages


def test_help_texts_list_every_rule_in_chinese() -> None:
    with translation.override("zh-hans"):
        texts = password_validation.password_validators_help_texts()

    assert any("8" in text for text in texts)
    assert any("3 种" in text for text in texts)
