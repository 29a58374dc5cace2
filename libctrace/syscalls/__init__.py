"""Syscall knowledge: the generated table, the classes and trace sets, the decoders per family."""
