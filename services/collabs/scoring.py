"""How well two collab candidates fit: the features matching knows about a member, encoded
once as arrays, and every pair's score computed at once (pure numpy, no database, no Discord)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.i18n import N_
from core.lazy_import import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:  # loaded when a round is matched, not at start-up
    np = lazy_module("numpy")

# The collab formats (key: label). Kept in code, not data: each is one bit of a uint8 mask.
FORMATS: dict[str, str] = {
    "duet": N_("duets"),
    "stitch": N_("stitches"),
    "live": N_("joint LIVEs"),
    "co-post": N_("co-posts"),
    "voiceover": N_("voiceovers"),
    "challenge": N_("challenges"),
}
BANDS: tuple[str, ...] = ("under-1k", "1k-10k", "10k-50k", "50k-100k", "100k+")

# Score weights. Every allowed pair scores at least W_BASE, so matching more people always pays.
W_BASE = 1.0
W_SAME_NICHE = 4.0
W_RELATED_NICHE = 2.0
W_BAND_SAME = 2.0
W_BAND_NEAR = 1.0
W_FORMAT = 1.0  # per shared format, up to MAX_SHARED_FORMATS
MAX_SHARED_FORMATS = 3
W_LANGUAGE = 3.0
W_HOURS = 3.0  # all waking hours shared
WAKING_HOURS = 15.0  # 08:00-23:00 local
UNKNOWN = 0.5  # share of a component's weight when one side didn't say
MAX_SCORE = (
    W_BASE + W_SAME_NICHE + W_BAND_SAME + W_FORMAT * MAX_SHARED_FORMATS + W_LANGUAGE + W_HOURS
)
_FORMAT_BIT = {name: 1 << i for i, name in enumerate(FORMATS)}
ALL_FORMATS = frozenset(FORMATS)


@dataclass(frozen=True)
class Candidate:
    """What matching knows about one opted-in member."""

    user_id: int
    niches: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    band: int | None = None  # index into BANDS
    formats: frozenset[str] = ALL_FORMATS
    languages: frozenset[str] = frozenset()
    utc_offset: float | None = None  # hours, at the round's time
    #: age group (services.safety: 1 adult, 0 not confirmed adult); never grouped across
    age_group: int = 0


def _dtype_for(bits: int) -> type[np.unsignedinteger[Any]]:
    for dtype, size in ((np.uint8, 8), (np.uint16, 16), (np.uint32, 32)):
        if bits <= size:
            return dtype
    return np.uint64


class _Vocab:
    """Labels → bit positions for one round; past 64 labels bits are shared (blurs a little:
    fine for niches; languages are the 27 of data/collabs/languages.yaml, so never blurred)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        # members share a few label lists: each distinct one is masked once (10k members)
        self._masks: dict[tuple[str, ...], int] = {}

    def mask(self, labels: Iterable[str]) -> int:
        key = tuple(labels)
        found = self._masks.get(key)
        if found is None:
            found = self._masks[key] = self._mask(key)
        return found

    def _mask(self, labels: Iterable[str]) -> int:
        value = 0
        for label in labels:
            bit = self.ids.setdefault(label.casefold(), len(self.ids))
            value |= 1 << (bit % 64)
        return value

    def array(self, masks: list[int]) -> npt.NDArray[Any]:
        return np.array(masks, dtype=_dtype_for(len(self.ids)))


def _codes(values: list[float | None]) -> tuple[npt.NDArray[np.int32], list[float | None]]:
    """Small integer codes for a few distinct values (None included), for table look-ups."""
    distinct: dict[float | None, int] = {}
    codes = np.array([distinct.setdefault(v, len(distinct)) for v in values], np.int32)
    return codes, list(distinct)


def _band_points(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return UNKNOWN * W_BAND_SAME
    gap = abs(a - b)
    return W_BAND_SAME if gap == 0 else W_BAND_NEAR if gap == 1 else 0.0


def hours_apart(a: float, b: float) -> float:
    gap = abs(a - b) % 24.0
    return min(gap, 24.0 - gap)


def _hour_points(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return UNKNOWN * W_HOURS
    overlap = max(0.0, WAKING_HOURS - hours_apart(a, b)) / WAKING_HOURS
    return overlap * W_HOURS


def _table(values: list[float | None], points: Any) -> npt.NDArray[np.float32]:
    return np.array([[points(a, b) for b in values] for a in values], np.float32)


@dataclass(frozen=True)
class Features:
    """Candidates encoded as arrays; index i is candidates[i]."""

    user_ids: npt.NDArray[np.int64]
    niche: npt.NDArray[Any]  # bit masks
    family: npt.NDArray[Any]
    fmt: npt.NDArray[np.uint8]
    lang: npt.NDArray[Any]
    #: lang with "didn't say" (0) as every bit: who a member can collab with, language-wise
    speaks: npt.NDArray[Any]
    band: npt.NDArray[np.int32]  # codes into band_table
    band_table: npt.NDArray[np.float32]
    tz: npt.NDArray[np.int32]  # codes into tz_table
    tz_table: npt.NDArray[np.float32]
    tz_hours: npt.NDArray[np.float32]  # nan when unknown (for blocking)
    primary_lang: npt.NDArray[np.int64]
    primary_family: npt.NDArray[np.int64]
    age: npt.NDArray[np.int8]  # age group: a pair across groups is never a collab
    mixed_ages: bool  # both groups are here (else the age check is skipped)

    def __len__(self) -> int:
        return len(self.user_ids)

    @classmethod
    def encode(cls, candidates: Sequence[Candidate]) -> Features:
        niches, families, langs = _Vocab(), _Vocab(), _Vocab()
        lang_ids: dict[str, int] = {}
        family_ids: dict[str, int] = {}
        niche_m, family_m, fmt_m, lang_m = [], [], [], []
        primary_lang, primary_family = [], []
        for c in candidates:
            niche_m.append(niches.mask(c.niches))
            family_m.append(families.mask(c.families))
            fmt_m.append(sum(_FORMAT_BIT.get(x, 0) for x in c.formats))
            lang_m.append(langs.mask(c.languages))
            first_lang = min(c.languages) if c.languages else ""
            primary_lang.append(lang_ids.setdefault(first_lang, len(lang_ids)))
            first_family = c.families[0] if c.families else ""
            primary_family.append(family_ids.setdefault(first_family, len(family_ids)))
        band, band_values = _codes([None if c.band is None else float(c.band) for c in candidates])
        tz, tz_values = _codes([c.utc_offset for c in candidates])
        lang = langs.array(lang_m)
        age = np.array([c.age_group for c in candidates], np.int8)
        return cls(
            user_ids=np.array([c.user_id for c in candidates], np.int64),
            niche=niches.array(niche_m),
            family=families.array(family_m),
            fmt=np.array(fmt_m, np.uint8),
            lang=lang,
            speaks=np.where(lang == 0, np.iinfo(lang.dtype).max, lang).astype(lang.dtype),
            band=band,
            band_table=_table(band_values, _band_points),
            tz=tz,
            tz_table=_table(tz_values, _hour_points),
            tz_hours=np.array(
                [np.nan if c.utc_offset is None else c.utc_offset for c in candidates], np.float32
            ),
            primary_lang=np.array(primary_lang, np.int64),
            primary_family=np.array(primary_family, np.int64),
            age=age,
            mixed_ages=bool(len(age)) and bool((age != age[0]).any()),
        )


def speak_together(f: Features, *members: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Element-wise: do these members (index arrays of one shape) share one language? A member
    who gave no language fits anyone; a trio needs one language all three speak."""
    common = f.speaks[members[0]]
    for other in members[1:]:
        common = common & f.speaks[other]
    return np.asarray(common != 0)


def scores(
    f: Features, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """Score matrix rows × cols (vectorised; no Python loop over pairs). A pair who share no
    language, or are in different age groups, scores -inf: it is never a collab, whatever
    else fits."""
    out = f.band_table[f.band[rows][:, None], f.band[cols][None, :]]
    out += f.tz_table[f.tz[rows][:, None], f.tz[cols][None, :]]
    out += W_BASE

    related = (f.family[rows][:, None] & f.family[cols][None, :]) != 0
    same = (f.niche[rows][:, None] & f.niche[cols][None, :]) != 0
    related |= same
    out += related * np.float32(W_RELATED_NICHE)
    out += same * np.float32(W_SAME_NICHE - W_RELATED_NICHE)

    shared_formats = np.bitwise_count(f.fmt[rows][:, None] & f.fmt[cols][None, :])
    np.minimum(shared_formats, MAX_SHARED_FORMATS, out=shared_formats)
    out += shared_formats * np.float32(W_FORMAT)

    lang_r, lang_c = f.lang[rows], f.lang[cols]
    shared_lang = (lang_r[:, None] & lang_c[None, :]) != 0
    out += shared_lang * np.float32(W_LANGUAGE)
    unknown_r, unknown_c = lang_r == 0, lang_c == 0
    if unknown_r.any() or unknown_c.any():
        unknown = unknown_r[:, None] | unknown_c[None, :]
        out += unknown * np.float32(UNKNOWN * W_LANGUAGE)
    out[(f.speaks[rows][:, None] & f.speaks[cols][None, :]) == 0] = -np.inf
    if f.mixed_ages:
        out[f.age[rows][:, None] != f.age[cols][None, :]] = -np.inf
    return out


def pair_score(a: Candidate, b: Candidate) -> float:
    f = Features.encode([a, b])
    return float(scores(f, np.array([0]), np.array([1]))[0, 0])


def best_partners(
    me: Candidate,
    others: Sequence[Candidate],
    *,
    exclude: Iterable[int] = (),
    limit: int = 5,
) -> list[tuple[Candidate, float]]:
    """The `limit` best-scoring others for one member (vectorised), excluding some user ids
    and everyone who shares no language with them or is in another age group."""
    skip = set(exclude) | {me.user_id}
    pool = [c for c in others if c.user_id not in skip]
    if not pool:
        return []
    f = Features.encode([me, *pool])
    s = scores(f, np.array([0]), np.arange(1, len(pool) + 1))[0]
    order = np.argsort(-s, kind="stable")[:limit]
    return [(pool[i], float(s[i])) for i in order.tolist() if np.isfinite(s[i])]


def upper_bound(candidates: Sequence[Candidate], *, sample_block: int = 2000) -> float:
    """Half the sum of everyone's best possible score: no matching can beat it (for benchmarks).

    Computed in row blocks so it stays within memory at 50k members.
    """
    f = Features.encode(candidates)
    n = len(f)
    cols = np.arange(n, dtype=np.int64)
    total = 0.0
    for start in range(0, n, sample_block):
        rows = np.arange(start, min(n, start + sample_block), dtype=np.int64)
        s = scores(f, rows, cols)
        s[np.arange(len(rows)), rows] = -np.inf
        best = s.max(axis=1)
        total += float(best[np.isfinite(best)].sum())  # nobody to pair with: nothing to gain
    return total / 2
