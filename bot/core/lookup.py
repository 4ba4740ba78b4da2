"""Find a stretch from whatever people type: ``Pigeon-Pose``, ``pidgeon``, ``thread needle``.

Every name, id and alias is normalised once when the index is built (accents, case,
punctuation, filler words, plurals, number words), so a lookup is a dict hit in the common case
and autocomplete is a couple of binary searches over sorted keys. Fuzzy matching (rapidfuzz)
runs only when the cheap paths leave an answer open; it is what turns a typo into an answer or
into "did you mean ...".
"""

from __future__ import annotations

import bisect
import heapq
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.content.models import Stretch
from bot.core.render import truncate

# Words that carry no meaning for telling stretches apart: "pigeon pose" is "pigeon".
_FILLER = frozenset(
    {"the", "a", "an", "of", "to", "and", "with", "on", "in", "your", "my", "stretch", "pose"}
)
# Filler words that still mean something typed on their own: "/stretch pose" asks for the poses.
_GENERIC = frozenset({"stretch", "pose"})
_NUMBERS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# A typo must score at least this (rapidfuzz ratio, 0-100) to be taken as the answer, and beat
# the best *other* stretch by MARGIN; otherwise people get suggestions instead of a guess.
RESOLVE_SCORE = 80.0
RESOLVE_MARGIN = 4.0
SUGGEST_SCORE = 55.0
# How close a typed word must be to a known word for its names to be fuzzy candidates.
WORD_SCORE = 60.0
# Suggestions by shared words ("pigeon extra words") take a typed word as a known one only
# when it is this close: near enough for "neddle", not for "twist" -> "wrist".
PARTIAL_WORD_SCORE = 80.0
# Words of a query read for shared-word suggestions; the rest of a wall of text is ignored.
PARTIAL_WORDS = 8
MAX_SUGGESTIONS = 5
MAX_CHOICES = 25
CHOICE_LABEL_LIMIT = 100  # Discord's and Slack's cap on an option's label


def fold(text: str) -> str:
    """Lower-case, strip accents, punctuation to spaces: ``Pigeon-Posé`` -> ``pigeon pose``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_NON_ALNUM.sub(" ", bare).split())


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def normalize(text: str) -> str:
    """The comparison key for names: folded, filler words dropped, singular, digits for numbers.

    ``Thread the Needle`` and ``thread needle`` share a key, as do ``Glute Bridges`` and
    ``glute bridge``, and ``Figure Four`` and ``figure 4``. If dropping filler words would leave
    nothing (someone typed just "the"), the folded words are kept.
    """
    words = fold(text).split()
    kept = [_NUMBERS.get(w, _singular(w)) for w in words if w not in _FILLER]
    return " ".join(kept or words)


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete option: ``label`` is shown, ``value`` (the stretch id) is sent back."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to a lookup: the stretch, or none and the closest suggestions."""

    stretch: Stretch | None
    suggestions: tuple[Stretch, ...] = ()


@dataclass(frozen=True, slots=True)
class _Key:
    key: str  # normalize(text): for exact and fuzzy matching
    folded: str  # fold(text): for prefix matching while people type ("pigeon po")
    stretch: Stretch
    rank: int  # the stretch's position in name order, for stable tie-breaks
    via: str | None  # the alias to show beside the name in autocomplete, if it adds anything


class StretchIndex:
    """Resolve, suggest and autocomplete stretches; build once per library, query often.

    Everything costly (normalising every name, sorting, the word index) happens here, once;
    the query paths are dict hits, binary searches and one rapidfuzz ``extract`` in C.
    """

    def __init__(self, stretches: Iterable[Stretch]) -> None:
        self._stretches: tuple[Stretch, ...] = tuple(sorted(stretches, key=lambda s: fold(s.name)))
        keys: list[_Key] = []
        for rank, stretch in enumerate(self._stretches):
            seen: set[str] = set()
            name = fold(stretch.name)
            for text in (stretch.name, stretch.id, *stretch.aliases):
                folded = fold(text)
                if folded and folded not in seen:
                    seen.add(folded)
                    # Show the alias that matched unless the name already says it.
                    via = None if folded in name or text == stretch.id else text
                    keys.append(_Key(normalize(text), folded, stretch, rank, via))
        self._keys = keys
        self._exact: dict[str, Stretch] = {}
        self._compact: dict[str, Stretch] = {}
        self._word_index: dict[str, set[int]] = {}
        for i, k in enumerate(keys):
            self._exact.setdefault(k.key, k.stretch)
            self._compact.setdefault(k.key.replace(" ", ""), k.stretch)
            for word in k.key.split():
                self._word_index.setdefault(word, set()).add(i)
        # Sorted folded keys for prefix search, and every later word-start of every key
        # ("pigeon" inside "half pigeon") for word-prefix search.
        whole = sorted((k.folded, i) for i, k in enumerate(keys))
        tails: list[tuple[str, int]] = []
        for i, k in enumerate(keys):
            starts = [m.start() for m in re.finditer(r"(?<![0-9a-z])[0-9a-z]", k.folded)]
            tails += [(k.folded[st:], i) for st in starts[1:]]
        tails.sort()
        self._prefix_tables = (
            ([t for t, _ in whole], [i for _, i in whole]),
            ([t for t, _ in tails], [i for _, i in tails]),
        )
        self._fuzzy_choices = [k.key for k in keys]
        # Every folded word (filler included, so "pose" counts) -> the keys holding it.
        self._folded_words: dict[str, set[int]] = {}
        for i, k in enumerate(keys):
            for word in k.folded.split():
                self._folded_words.setdefault(_singular(word), set()).add(i)
        self._folded_vocabulary = sorted(self._folded_words)
        self._name_words = [{_singular(w) for w in fold(s.name).split()} for s in self._stretches]
        self._key_rank = [k.rank for k in keys]
        self._key_words = [k.key.count(" ") + 1 for k in keys]
        self._vocabulary = sorted(self._word_index)
        # Answers for one- and two-letter prefixes, computed once: those match so many keys
        # that scanning and sorting them per keystroke would dominate autocomplete's cost.
        self._short_prefixes: list[dict[str, list[int]]] = []
        for table, positions in self._prefix_tables:
            short: dict[str, list[int]] = {}
            for text in sorted({t[:n] for t in table for n in (1, 2) if len(t) >= n}):
                short[text] = self._prefixed(table, positions, text)[: MAX_CHOICES * 4]
            self._short_prefixes.append(short)

    def resolve(self, query: str) -> Resolution:
        """Find the stretch meant by ``query``, or the closest few when it is not clear.

        Order: exact name/alias/id; then the one stretch whose name holds every typed word
        with the fewest extra words ("hip flexor"); then a clear typo winner ("pidgeon").
        """
        key = normalize(query)
        if not key:  # nothing to match on ("", "鸽子", "!!"): any suggestion would be arbitrary
            return Resolution(None)
        hit = self._exact_key(key)
        if hit is not None:
            return Resolution(hit)
        contained = self._containing(key)
        if contained and (len(contained) == 1 or contained[0][1] < contained[1][1]):
            return Resolution(contained[0][0])
        ranked = self._fuzzy(key)
        if not contained and ranked:
            best_stretch, best = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            if best >= RESOLVE_SCORE and best - runner_up >= RESOLVE_MARGIN:
                return Resolution(best_stretch)
        suggestions = [stretch for stretch, _ in contained]
        # By id: ``stretch in suggestions`` would compare pydantic models field by field,
        # which made a typo's lookup cost milliseconds at 1,000 stretches.
        seen = {stretch.id for stretch in suggestions}
        more = self._sharing_words(query) if len(suggestions) < MAX_SUGGESTIONS else []
        for stretch in (*more, *(stretch for stretch, _ in ranked)):
            if len(suggestions) >= MAX_SUGGESTIONS:
                break
            if stretch.id not in seen:
                seen.add(stretch.id)
                suggestions.append(stretch)
        return Resolution(None, tuple(suggestions[:MAX_SUGGESTIONS]))

    def exact(self, query: str) -> Stretch | None:
        """The stretch whose id, name or alias ``query`` is (after normalising), else None."""
        key = normalize(query)
        return self._exact_key(key) if key else None

    def _exact_key(self, key: str) -> Stretch | None:
        return self._exact.get(key) or self._compact.get(key.replace(" ", ""))

    def _sharing_words(self, query: str) -> list[Stretch]:
        """Stretches whose names share the most words with ``query``, for suggestions when the
        whole text matches nothing: "pigeon extra words" suggests pigeon, "pose" the poses.

        A word a name itself holds counts before one only an alias holds, and shorter names
        come first: they are the more direct answer.
        """
        words = [_singular(w) for w in fold(query).split() if w in _GENERIC or w not in _FILLER]
        scores: dict[int, list[int]] = {}  # stretch rank -> [words matched, in the name]
        for word in list(dict.fromkeys(words))[:PARTIAL_WORDS]:
            known = [word] if word in self._folded_words else [
                found for found, _, _ in process.extract(
                    word, self._folded_vocabulary, scorer=fuzz.ratio, processor=None,
                    score_cutoff=PARTIAL_WORD_SCORE, limit=3)
            ]
            in_name: dict[int, bool] = {}
            for found in known:
                for i in self._folded_words[found]:
                    rank = self._key_rank[i]
                    in_name[rank] = in_name.get(rank, False) or found in self._name_words[rank]
            for rank, named in in_name.items():
                score = scores.setdefault(rank, [0, 0])
                score[0] += 1
                score[1] += named
        best = heapq.nsmallest(
            MAX_SUGGESTIONS, scores.items(),
            key=lambda item: (-item[1][0], -item[1][1], len(self._name_words[item[0]]), item[0]),
        )
        return [self._stretches[rank] for rank, _ in best]

    def autocomplete(
        self,
        text: str,
        area: str | None = None,
        where: str | None = None,
        limit: int = MAX_CHOICES,
    ) -> list[Choice]:
        """Options for a partly typed name: exact, then prefix, then word prefix, then fuzzy."""
        limit = max(0, min(limit, MAX_CHOICES))
        out: list[Choice] = []
        taken: set[str] = set()

        def add(stretch: Stretch, via: str | None = None) -> bool:
            """Add unless filtered or taken; return False once the list is full."""
            if stretch.id in taken:
                return len(out) < limit
            if (area is not None and area not in stretch.areas) or (
                where is not None and where not in stretch.where
            ):
                return True
            taken.add(stretch.id)
            label = stretch.name if via is None else f"{stretch.name} ({via})"
            out.append(Choice(label=truncate(label, CHOICE_LABEL_LIMIT), value=stretch.id))
            return len(out) < limit

        if limit == 0:
            return out
        folded = fold(text)
        if not folded:
            for stretch in self._stretches:
                if not add(stretch):
                    break
            return out
        exact = self._exact.get(normalize(text))
        if exact is not None and not add(exact):
            return out
        for (table, positions), short in zip(self._prefix_tables, self._short_prefixes,
                                             strict=True):
            # The short-prefix answers are capped, so a filtered query scans in full.
            unfiltered = area is None and where is None
            found = short.get(folded, []) if len(folded) <= 2 and unfiltered else None
            for i in self._prefixed(table, positions, folded) if found is None else found:
                k = self._keys[i]
                if not add(k.stretch, k.via):
                    return out
        if len(folded) >= 3:
            for stretch, _ in self._fuzzy(normalize(text)):
                if not add(stretch):
                    break
        return out

    @staticmethod
    def _prefixed(table: Sequence[str], positions: Sequence[int], prefix: str) -> list[int]:
        """Key positions whose text starts with ``prefix``, shortest first ("pigeon" first)."""
        start = bisect.bisect_left(table, prefix)
        found: list[tuple[int, str, int]] = []
        for j in range(start, len(table)):
            if not table[j].startswith(prefix):
                break
            found.append((len(table[j]), table[j], positions[j]))
        found.sort()
        return [i for _, _, i in found]

    def _containing(self, key: str) -> list[tuple[Stretch, int]]:
        """Up to six stretches with a key holding every word of ``key``, fewest extra words first.

        Six is enough for both callers: resolve needs the best two, suggestions five.
        """
        wanted = key.split()
        sets = [self._word_index.get(w) for w in wanted]
        if not sets or any(s is None for s in sets):
            return []
        common = set.intersection(*(s for s in sets if s is not None))
        best: dict[int, int] = {}  # stretch rank -> fewest extra words
        for i in common:
            rank, extra = self._key_rank[i], self._key_words[i]
            if extra < best.get(rank, 1 << 30):
                best[rank] = extra
        top = heapq.nsmallest(6, best.items(), key=lambda item: (item[1], item[0]))
        return [(self._stretches[rank], words - len(wanted)) for rank, words in top]

    def _fuzzy(self, key: str) -> list[tuple[Stretch, float]]:
        """Per stretch, the best edit-distance ratio (0-100) against any of its keys, best first.

        Scoring every key costs ~0.4 ms at 1,000 stretches, too slow for every keystroke, so
        each typed word is first matched against the vocabulary (a few thousand words at
        most) and only keys holding a word close to one typed are scored.
        """
        if not key:
            return []
        candidates: set[int] = set()
        for word in set(key.split()):
            close = process.extract(
                word,
                self._vocabulary,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=WORD_SCORE,
                limit=5,
            )
            for known, _, _ in close:
                candidates |= self._word_index[known]
        if not candidates:
            return []
        order = sorted(candidates)
        hits = process.extract(
            key,
            [self._fuzzy_choices[i] for i in order],
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SUGGEST_SCORE,
            limit=MAX_CHOICES * 2,
        )
        best: dict[str, tuple[Stretch, float]] = {}
        for _, score, j in hits:
            stretch = self._keys[order[j]].stretch
            if stretch.id not in best:  # hits come best first
                best[stretch.id] = (stretch, float(score))
        return list(best.values())
