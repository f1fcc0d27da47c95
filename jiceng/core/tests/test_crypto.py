from __future__ import annotations

import hmac

import pytest
from django.conf import settings
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.crypto import (
    INDEX_BYTES,
    DecryptionError,
    blind_index,
    blind_indexes,
    seal,
    unseal,
)

OLD_KEY = "1:ffeeddccbbaa99887766554433221100"
NEW_KEY = "3:0123456789abcdef0123456789abcdef"
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


@given(st.text(max_size=200), st.sampled_from(["phone", "id_number", "备注"]))
def test_a_sealed_value_opens_to_itself(value: str, field: str) -> None:
    assert unseal(seal(value, field=field), field=field) == value


def test_sealing_twice_gives_different_ciphertexts() -> None:
    first, second = seal(PHONE, field="phone"), seal(PHONE, field="phone")

    assert first != second
    assert PHONE.encode() not in first


def test_a_memoryview_from_postgresql_opens() -> None:
    assert unseal(memoryview(seal(PHONE, field="phone")), field="phone") == PHONE


def test_changing_any_byte_is_detected() -> None:
    sealed = seal(ID_NUMBER, field="id_number")

    for position in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            unseal(bytes(tampered), field="id_number")


@pytest.mark.parametrize("cut", [1, 16, 28])
def test_a_truncated_value_is_refused(cut: int) -> None:
    sealed = seal(PHONE, field="phone")

    with pytest.raises(DecryptionError):
        unseal(sealed[:cut], field="phone")


def test_an_empty_value_is_refused() -> None:
    with pytest.raises(DecryptionError):
        unseal(b"", field="phone")


def test_a_value_sealed_for_one_field_does_not_open_as_another() -> None:
    sealed = seal(PHONE, field="phone")

    with pytest.raises(DecryptionError):
        unseal(sealed, field="id_number")
    assert unseal(sealed, field="phone") == PHONE


def test_a_value_sealed_under_an_old_key_opens_after_rotation() -> None:
    with override_settings(JICENG_FIELD_KEYS=OLD_KEY):
        old = seal(PHONE, field="phone")
    assert old[0] == 1

    with override_settings(JICENG_FIELD_KEYS=f"{NEW_KEY},{OLD_KEY}"):
        assert unseal(old, field="phone") == PHONE
        new = seal(PHONE, field="phone")
        assert new[0] == 3  # the first key in the list seals

    with override_settings(JICENG_FIELD_KEYS=NEW_KEY):
        assert unseal(new, field="phone") == PHONE
        with pytest.raises(DecryptionError):
            unseal(old, field="phone")  # its key is gone


def test_the_same_version_with_another_key_does_not_open() -> None:
    with override_settings(JICENG_FIELD_KEYS=OLD_KEY):
        sealed = seal(PHONE, field="phone")

    with (
        override_settings(JICENG_FIELD_KEYS="1:00000000000000000000000000000000"),
        pytest.raises(DecryptionError),
    ):
        unseal(sealed, field="phone")


@pytest.mark.parametrize(
    "keys",
    [
        "0:00112233445566778899aabbccddeeff",
        "256:00112233445566778899aabbccddeeff",
        "1:00112233",
    ],
)
def test_a_malformed_field_key_is_refused(keys: str) -> None:
    with override_settings(JICENG_FIELD_KEYS=keys), pytest.raises(ValueError):
        seal(PHONE, field="phone")


def test_a_short_index_key_is_refused() -> None:
    with override_settings(JICENG_INDEX_KEY="00" * 8), pytest.raises(ValueError):
        blind_index(PHONE, field="phone")


def test_the_blind_index_is_equal_for_equal_values() -> None:
    index = blind_index(PHONE, field="phone")

    assert index == blind_index(PHONE, field="phone")
    assert len(index) == INDEX_BYTES
    assert index != blind_index("13812345679", field="phone")


def test_the_blind_index_is_hmac_sm3_of_the_field_and_the_value() -> None:
    # What every stored index was made with: a change here would lose every lookup.
    key = bytes.fromhex(settings.JICENG_INDEX_KEY)
    expected = hmac.digest(key, b"phone\x00" + PHONE.encode(), "sm3")[:INDEX_BYTES]

    assert blind_index(PHONE, field="phone") == expected


def test_the_blind_indexes_of_a_batch_are_each_values_own() -> None:
    values = [PHONE, "13812345679", PHONE, "", "居民"]
    key = bytes.fromhex(settings.JICENG_INDEX_KEY)

    assert blind_indexes(values, field="phone") == [
        hmac.digest(key, b"phone\x00" + v.encode(), "sm3")[:INDEX_BYTES] for v in values
    ]
    assert blind_indexes([], field="phone") == []


def test_the_blind_index_differs_across_fields() -> None:
    assert blind_index(PHONE, field="phone") != blind_index(PHONE, field="id_number")


def test_the_blind_index_survives_field_key_rotation_but_not_a_new_index_key() -> None:
    index = blind_index(PHONE, field="phone")

    with override_settings(JICENG_FIELD_KEYS=NEW_KEY):
        assert blind_index(PHONE, field="phone") == index
    with override_settings(JICENG_INDEX_KEY="1f" * 32):
        assert blind_index(PHONE, field="phone") != index


@given(st.text(max_size=40), st.text(max_size=40))
def test_different_values_have_different_blind_indexes(first: str, second: str) -> None:
    if first != second:
        assert blind_index(first, field="phone") != blind_index(second, field="phone")
