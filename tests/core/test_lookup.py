"""StretchIndex: forgiving lookup, suggestions and ranked, filtered autocomplete."""

from __future__ import annotations

import pytest

from bot.core.content.library import Library
from bot.core.lookup import StretchIndex, fold, normalize
from tests.core.contentkit import make_stretch


@pytest.mark.parametrize(
    ("query", "stretch_id"),
    [
        ("pigeon-pose", "pigeon-pose"),
        ("Pigeon-Pose", "pigeon-pose"),
        ("pigeon pose", "pigeon-pose"),
        ("PIGEON", "pigeon-pose"),
        ("  half   pigeon!! ", "pigeon-pose"),
        ("thread the needle", "thread-the-needle"),
        ("thread needle", "thread-the-needle"),
        ("glute bridges", "glute-bridge"),
        ("figure 4", "seated-figure-four"),
        ("figure-four", "seated-figure-four"),
        ("ear to shoulder", "neck-side-bend"),
    ],
)
def test_resolves_names_aliases_and_ids(library: Library, query: str, stretch_id: str) -> None:
    """Ids, names and aliases resolve regardless of case, punctuation, filler and plurals."""
    found = library.index.resolve(query)
    assert found.stretch is not None and found.stretch.id == stretch_id


def test_accents_are_ignored(library: Library) -> None:
    """Accented and unaccented spellings match each other."""
    assert library.index.resolve("ROULE D'EPAULES").stretch.id == "shoulder-rolls"
    assert library.index.resolve("pígeón").stretch.id == "pigeon-pose"


@pytest.mark.parametrize(
    ("query", "stretch_id"),
    [("pidgeon", "pigeon-pose"), ("thred the neddle", "thread-the-needle"),
     ("glute brige", "glute-bridge"), ("shoulder rols", "shoulder-rolls")],
)
def test_typos_resolve(library: Library, query: str, stretch_id: str) -> None:
    """A clear typo resolves to the stretch it is closest to."""
    found = library.index.resolve(query)
    assert found.stretch is not None and found.stretch.id == stretch_id


def test_unknown_name_gives_closest_suggestions(library: Library) -> None:
    """Something that is no stretch answers with suggestions, closest first, not a guess."""
    found = library.index.resolve("neck bend side stretchy thing")
    assert found.stretch is None
    assert found.suggestions and found.suggestions[0].id == "neck-side-bend"


def test_nonsense_gives_no_match(library: Library) -> None:
    """Gibberish neither resolves nor pretends to be close."""
    found = library.index.resolve("xqzvw")
    assert found.stretch is None and found.suggestions == ()


@pytest.mark.parametrize("query", ["", "   ", "鸽子", "!!", "the"])
def test_query_with_nothing_to_match_suggests_nothing(library: Library, query: str) -> None:
    """A query that normalises to nothing gets no suggestions, not the first few by name."""
    found = library.index.resolve(query)
    assert found.stretch is None and found.suggestions == ()


def test_ambiguous_words_suggest_instead_of_guessing() -> None:
    """Two stretches equally matching the words give suggestions, not one of them."""
    index = StretchIndex([make_stretch("seated-twist", "Seated twist"),
                          make_stretch("lying-twist", "Lying twist")])
    found = index.resolve("twist")
    assert found.stretch is None
    assert {s.id for s in found.suggestions} == {"seated-twist", "lying-twist"}


def test_fewest_extra_words_wins() -> None:
    """When typed words are in several names, the one with fewest extra words resolves."""
    index = StretchIndex([make_stretch("hip-flexor", "Kneeling hip flexor"),
                          make_stretch("hip-flexor-lunge", "Deep hip flexor lunge hold")])
    assert index.resolve("hip flexor").stretch.id == "hip-flexor"


def test_normalize_and_fold() -> None:
    """The normal form drops accents, punctuation, filler words and plurals."""
    assert fold("Pigeon-Posé!") == "pigeon pose"
    assert normalize("Thread the Needle") == normalize("thread needle")
    assert normalize("Figure Four stretch") == "figure 4"
    assert normalize("the") == "the"


def _ranking_index() -> StretchIndex:
    return StretchIndex(
        [
            make_stretch("glute-bridge", "Glute bridge", areas=["glutes"], where=["floor"]),
            make_stretch("bridge-walk", "Bridge walk", areas=["glutes"], where=["floor"]),
            make_stretch("bridge", "Bridge", areas=["core"], where=["floor"]),
            make_stretch("bridje-hold", "Bridje hold", areas=["core"], where=["desk"]),
            make_stretch("neck-tilt", "Neck tilt"),
        ]
    )


def test_autocomplete_ranks_exact_prefix_word_prefix_fuzzy() -> None:
    """Exact first, then prefix, then a word inside the name, then fuzzy matches."""
    values = [c.value for c in _ranking_index().autocomplete("bridge")]
    assert values == ["bridge", "bridge-walk", "glute-bridge", "bridje-hold"]


def test_autocomplete_filters_by_area_and_where() -> None:
    """Area and where filters drop non-matching stretches from the options."""
    index = _ranking_index()
    assert [c.value for c in index.autocomplete("bridge", area="glutes")] == [
        "bridge-walk", "glute-bridge"]
    assert [c.value for c in index.autocomplete("bri", where="standing")] == []
    assert [c.value for c in index.autocomplete("bridje", where="desk")] == ["bridje-hold"]


def test_autocomplete_shows_matched_alias(library: Library) -> None:
    """An option found through an alias says which alias matched."""
    (choice, *_) = library.index.autocomplete("chair pig")
    assert choice.value == "seated-figure-four" and "chair pigeon" in choice.label


def test_autocomplete_caps_at_25() -> None:
    """Never more than 25 options (the platforms' limit), even when asked for more."""
    index = StretchIndex(make_stretch(f"neck-{i}", f"Neck move {i}") for i in range(60))
    assert len(index.autocomplete("neck", limit=100)) == 25
    assert len(index.autocomplete("")) == 25
    assert len(index.autocomplete("neck", limit=3)) == 3


def test_autocomplete_empty_text_lists_alphabetically(library: Library) -> None:
    """With nothing typed, options are the stretches in name order."""
    labels = [c.label for c in library.index.autocomplete("")]
    assert labels == sorted(labels, key=str.casefold)


def test_stretch_by_id_is_exact(library: Library) -> None:
    """Lookup by id takes only an exact id, as buttons and autocomplete values carry."""
    assert library.stretch("pigeon-pose").name == "Pigeon pose"
    assert library.stretch("pigeon") is None


def test_short_prefix_with_filter_finds_matches_past_the_first_hundred() -> None:
    """A one-letter query with a filter still finds the few stretches that pass it."""
    stretches = [make_stretch(f"neck-{i:03}", f"Neck move {i:03}") for i in range(150)]
    stretches.append(make_stretch("nz-hip", "Nz hip opener", areas=["hips"]))
    index = StretchIndex(stretches)
    assert [c.value for c in index.autocomplete("n", area="hips")] == ["nz-hip"]


def test_exact_is_only_a_name_alias_or_id(library: Library) -> None:
    """exact() answers only for a whole name, alias or id, never a guess."""
    assert library.index.exact("Half Pigeon").id == "pigeon-pose"
    assert library.index.exact("pigeon-pose").id == "pigeon-pose"
    assert library.index.exact("pidgeon") is None and library.index.exact("") is None


def test_extra_words_still_suggest_the_stretch_they_name(library: Library) -> None:
    """"pigeon extra words" matches no name as a whole but suggests pigeon first."""
    found = library.index.resolve("pigeon extra words")
    assert found.stretch is None
    assert found.suggestions and found.suggestions[0].id == "pigeon-pose"


def test_pose_alone_suggests_the_poses() -> None:
    """"pose" is dropped from names for matching, but typed alone it asks for the poses; a
    name holding the word comes before one whose alias does."""
    index = StretchIndex([
        make_stretch("camel", "Camel pose"),
        make_stretch("bridge", "Bridge", aliases=["bridge pose"]),
        make_stretch("twist", "Seated twist"),
    ])
    found = index.resolve("pose")
    assert found.stretch is None and [s.id for s in found.suggestions] == ["camel", "bridge"]


def test_shared_words_do_not_fuzz_a_known_word_into_another() -> None:
    """A typed word that is itself known ("twist") is not also read as a near word ("wrist")."""
    index = StretchIndex([make_stretch("seated-twist", "Seated twist"),
                          make_stretch("lying-twist", "Lying twist"),
                          make_stretch("wrist-flexor-release", "Wrist flexor release")])
    found = index.resolve("twist")
    assert {s.id for s in found.suggestions} == {"seated-twist", "lying-twist"}
