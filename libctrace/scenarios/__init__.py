"""The curated scenario programs and the allocators their musl variants link."""
