"""The real content/ directory: it validates and the seed stretches resolve by common names."""

from __future__ import annotations

import pytest

from bot.core import limits, render
from bot.core.content.library import Library
from bot.core.content.loader import load_library
from tests.core.contentkit import REAL_CONTENT


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library([REAL_CONTENT])


def test_real_content_validates(real: Library) -> None:
    """content/ loads with no problems and has every kind of content."""
    assert real.stretches and real.tips and real.prompts and real.red_flags


@pytest.mark.parametrize(
    ("query", "stretch_id"),
    [
        ("pigeon", "pigeon"),
        ("pidgeon", "pigeon"),
        ("pigeon pose", "pigeon"),
        ("half pigeon", "pigeon"),
        ("thread the needle", "thread-the-needle"),
        ("thread needle", "thread-the-needle"),
        ("camel", "camel"),
        ("glute bridge", "glute-bridge"),
        ("band walks", "mini-band-walks"),
        ("mini band walk", "mini-band-walks"),
        ("side lunge", "side-lunge"),
        ("hip hinge", "hip-hinge"),
        ("hip flexor", "kneeling-hip-flexor-stretch"),
        ("strap", "reclined-strap-stretch"),
    ],
)
def test_seed_stretch_resolves_by_common_name(real: Library, query: str, stretch_id: str) -> None:
    """Each seed stretch answers to the names people actually type."""
    found = real.index.resolve(query)
    assert found.stretch is not None, [s.id for s in found.suggestions]
    assert found.stretch.id == stretch_id


def test_every_real_card_fits_and_has_cautions(real: Library) -> None:
    """Every real stretch renders within limits, with its cautions and the nerve signs."""
    for stretch in real.stretches:
        easier = real.stretch(stretch.easier) if stretch.easier else None
        card = render.stretch_card(stretch, easier)
        assert limits.message_size(card) <= limits.EMBED_TOTAL_BUDGET
        cautions = [s for s in card.sections if s.heading == "Cautions"]
        text = " ".join(cautions[0].lines).lower()
        assert "sharp" in text and "numb" in text
        assert "tingl" in text or "pins and needles" in text
