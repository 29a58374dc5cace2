"""Analysis: facts from traces, the divergence rules and their catalogue, alignment and diff."""
