import pytest
from django.core.exceptions import ValidationError

from gk_columns.validators import make_uscc, uscc_check_character, validate_uscc

# Codes published by real bodies (their 统一社会信用代码 appear on public notices).
REAL_CODES = [
    "91350100M000100Y43",
    "11100000000013127D",  # 国务院办公厅
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_validate(code):
    validate_uscc(code)


def test_check_character_is_computed_per_gb32100():
    assert uscc_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y44", "校验码错误"),
        ("91350100M0001O0Y43", "不允许的字符"),
    ],
)
def test_bad_codes_are_refused_with_reason(code, fragment):
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)
    assert fragment in " ".join(excinfo.value.messages)


def test_make_uscc_round_trips():
    code = make_uscc("11371500MB1234567")
    validate_uscc(code)
