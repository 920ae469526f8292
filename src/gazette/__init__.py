"""Gazette: a self-hosted, AI-assisted news aggregator.

Importing the package is cheap on purpose: heavy libraries (torch, spaCy,
sentence-transformers) are imported lazily inside the functions that use them.
"""

__version__ = "0.1.0"
