"""Graph core: the validated frames, integer-coded adjacency, neighborhoods and search."""
