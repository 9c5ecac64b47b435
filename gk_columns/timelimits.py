"""公开时限: parsing the free-text time limit of a catalogue row into a rule.

(Interface placeholder; the full parser lands in the next commit.)
"""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class TimeLimitRule:
    kind: str = "unparsed"
    text: str = ""
    days: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def parsed(self):
        return self.kind != "unparsed"

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def parse(text):
    return TimeLimitRule(text=(text or "").strip())
