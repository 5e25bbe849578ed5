"""Data: dataset cards, source readers, safe image decoding and the shapes suite."""
