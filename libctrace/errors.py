"""Errors that reach users as one line and exit code 2."""


class LibctraceError(Exception):
    """Any error caused by input or environment; the CLI prints str(self) and exits 2."""


class ProgramError(LibctraceError):
    """The program to trace cannot be run (missing, not executable, not an ELF, wrong arch)."""


class TraceFormatError(LibctraceError):
    """A trace file is corrupt, truncated inside a line, or of an unknown major version."""


class PermissionProblem(LibctraceError):
    """ptrace, namespaces or a file are not permitted to us."""


class ElfError(LibctraceError):
    """A file is not a usable ELF file."""
