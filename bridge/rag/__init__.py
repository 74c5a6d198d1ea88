"""Hybrid retrieval (BM25 + dense) over the technical and owner's manuals, in Spanish."""
