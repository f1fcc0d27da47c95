from __future__ import annotations

import pytest
from django.test import override_settings

from jiceng.core import crypto
from jiceng.datasets.sealing import BatchSealer, gf_multiply

pytestmark = pytest.mark.usefixtures("settings")


def test_gf_multiply_is_gcm_multiplication() -> None:
    # The field's unit is the block 0x80...0 (bit 0 first); x · 1 = x, and it commutes.
    one = 1 << 127
    h = 0x66E94BD4EF8A2C3B884CFA59CA342B2E
    assert gf_multiply(h, one) == h
    assert gf_multiply(one, h) == h
    assert gf_multiply(h, 0x0388DACE60B6A392F328C2B971B2FE78) == gf_multiply(
        0x0388DACE60B6A392F328C2B971B2FE78, h
    )


@pytest.mark.parametrize(
    ("field", "length"),
    [
        ("id_number", 18),
        ("phone", 11),
        ("x", 1),
        ("x", 16),
        ("x", 33),
        # associated data longer than a block (the households' fields), and exactly two
        ("household_resident_name", 9),
        ("household_phone", 11),
        ("a" * 32, 5),
        ("", 7),
    ],
)
def test_batch_seal_opens_with_core_crypto(field: str, length: int) -> None:
    values = [f"{i:0{length}d}"[-length:] for i in range(0, 5000, 7)]
    sealed = BatchSealer(field=field, length=length).seal(values)
    assert [crypto.unseal(s, field=field) for s in sealed] == values


def test_batch_seal_has_the_layout_of_core_crypto() -> None:
    one = crypto.seal("320113199001011234", field="id_number")
    batch = BatchSealer(field="id_number", length=18).seal(["320113199001011234"])[0]
    assert len(batch) == len(one)
    assert batch[0] == one[0]  # the current key's version


def test_each_value_gets_its_own_nonce() -> None:
    sealed = BatchSealer(field="phone", length=11).seal(["13800000000"] * 3)
    nonces = {s[1 : 1 + crypto.NONCE_BYTES] for s in sealed}
    assert len(nonces) == 3
    assert len(set(sealed)) == 3


def test_batch_seal_is_bound_to_its_field() -> None:
    sealed = BatchSealer(field="phone", length=11).seal(["13800000000"])[0]
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(sealed, field="id_number")


def test_batch_seal_uses_the_current_key() -> None:
    with override_settings(
        JICENG_FIELD_KEYS="7:" + "ab" * 16 + ",2:00112233445566778899aabbccddeeff"
    ):
        sealed = BatchSealer(field="phone", length=11).seal(["13912345678"])[0]
        assert sealed[0] == 7
        assert crypto.unseal(sealed, field="phone") == "13912345678"


def test_a_value_of_another_length_is_refused() -> None:
    with pytest.raises(ValueError, match="18"):
        BatchSealer(field="id_number", length=18).seal(["12345"])
