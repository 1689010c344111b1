import pytest
from tests.synth.drawn import draw


@pytest.fixture(scope="session")
def drawn():
    """A borough of 60,000 people drawn in memory (tests/synth/drawn.py), once a run."""
    return draw(60_000, seed=5)
