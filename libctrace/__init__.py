"""libctrace: trace builds of one program under ptrace and explain where their libc behaviour diverges."""

__version__ = "0.1.0"
