"""The simulated fam (data/demo/fam.psv): who they are, as plain values the demo acts on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FAM_FILE = Path(__file__).resolve().parents[1] / "data" / "demo" / "fam.psv"

#: /profile set's age choices, by the file's age group
AGE_ANSWERS = {"adult": "18 or older", "teen": "13 to 17", "unsaid": "I'd rather not say"}
#: the first user id; members follow in file order (ids look like real snowflakes)
FIRST_ID = 3_100_000_000_000_000_001


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    handle: str
    niches: tuple[str, ...]
    fam: str
    formats: tuple[str, ...]
    languages: tuple[str, ...]
    timezone: str
    age: str  # adult | teen | unsaid
    dms_open: bool
    kind: str  # mod | member | newcomer
    intro: str

    @property
    def is_mod(self) -> bool:
        return self.kind == "mod"

    @property
    def username(self) -> str:
        """The Discord username: lowercase, no spaces (the display name is ``name``)."""
        keep = "".join(ch for ch in self.name.lower() if ch.isalnum() or ch in "._")
        return keep or f"member{self.id % 1000}"


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(",") if part.strip())


def load_fam(path: Path = FAM_FILE) -> list[Member]:
    """Every member in the file, in file order; a malformed line names itself."""
    fam: list[Member] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != 11:
            raise ValueError(f"{path.name} line {number}: expected 11 cells, got {len(cells)}")
        name, handle, niches, fam_size, formats, langs, tz, age, dms, kind, intro = cells
        if age not in AGE_ANSWERS or dms not in ("open", "closed"):
            raise ValueError(f"{path.name} line {number}: age or dms not understood")
        if kind not in ("mod", "member", "newcomer"):
            raise ValueError(f"{path.name} line {number}: kind {kind!r} not understood")
        fam.append(
            Member(
                id=FIRST_ID + len(fam),
                name=name,
                handle=handle,
                niches=_split(niches),
                fam=fam_size,
                formats=_split(formats),
                languages=_split(langs),
                timezone=tz,
                age=age,
                dms_open=dms == "open",
                kind=kind,
                intro=intro,
            )
        )
    return fam
