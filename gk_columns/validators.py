"""统一社会信用代码 (unified social credit code) per GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# The 31 characters the standard allows: digits and capitals without I, O, Z, S, V.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17):
    """The 18th (check) character for the first 17 characters of a code."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=False))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value):
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为18位，当前为%(n)d位。", params={"n": len(code)}, code="length")
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符：%(chars)s（不使用I、O、Z、S、V）。",
            params={"chars": "".join(bad)},
            code="charset",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验码错误：第18位应为 %(expected)s，实际为 %(actual)s。",
            params={"expected": expected, "actual": code[17]},
            code="checksum",
        )


def make_uscc(first17):
    """Complete 17 characters into a valid code (used for demo and test data)."""
    first17 = first17.upper()
    return first17 + uscc_check_character(first17)


@deconstructible
class ChoiceListValidator:
    """Validates a JSON list whose items must come from a fixed vocabulary."""

    def __init__(self, allowed, label):
        self.allowed = list(allowed)
        self.label = label

    def __call__(self, value):
        if not isinstance(value, list):
            raise ValidationError("%(label)s必须是列表。", params={"label": self.label}, code="type")
        unknown = [v for v in value if v not in self.allowed]
        if unknown:
            raise ValidationError(
                "%(label)s含有未知取值：%(values)s",
                params={"label": self.label, "values": "、".join(map(str, unknown))},
                code="unknown",
            )

    def __eq__(self, other):
        return isinstance(other, ChoiceListValidator) and (self.allowed, self.label) == (other.allowed, other.label)
