"""Analysis: embedders, the vector cache, similarity engines, related entities and candidates."""
