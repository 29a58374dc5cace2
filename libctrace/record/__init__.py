"""Recording: the launcher, the ptrace stop loop (C and Python), the seccomp filter, output capture."""
