from tests.reviews.conftest import engaged, listed  # noqa: F401  (the same listed PA and accepted recipient)
