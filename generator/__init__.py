"""bulletin: a static site generator for the outcomes of grassroots public consultations."""
from __future__ import annotations

__version__ = "0.1.0"
