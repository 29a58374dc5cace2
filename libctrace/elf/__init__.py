"""Static ELF facts: what a binary needs before it runs, and their cache."""
