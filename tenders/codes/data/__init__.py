"""The code lists this package ships, each a text file with a provenance header.

File format (UTF-8): header lines ``# key: value`` (``title``, ``source``, ``source-sha256``,
``version``, ``complete``), then one code per line. ``complete: yes`` only when the file was
generated from the whole official list by ``python -m tenders.codes.build``; the checks enforce
membership only then, because a partial list would refuse valid codes.
"""

from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: frozenset[str]
    complete: bool
    header: dict[str, str] = field(default_factory=dict)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def check_digit_for(self, digits: str) -> int | None:
        """For CPV lists: the listed check digit of ``digits`` (eight digits), if listed."""
        for candidate in range(10):
            if f"{digits}-{candidate}" in self.codes:
                return candidate
        return None


def parse_code_list(name: str, text: str) -> CodeList:
    header: dict[str, str] = {}
    codes: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            header[key.strip().lower()] = value.strip()
            continue
        codes.add(line)
    return CodeList(
        name=name,
        codes=frozenset(codes),
        complete=header.get("complete", "no").lower() == "yes",
        header=header,
    )


def load_code_list(name: str) -> CodeList:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_code_list(name, text)
