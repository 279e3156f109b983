"""The app's side of search: the outbox that feeds the index, search pages and API."""
