"""CQC registration and ratings, re-asked of the CQC's public API every night (DESIGN.md, trust model 9)."""
