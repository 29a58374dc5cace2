"""System V IPC (sem*, shm*, msg*) and POSIX message queues (mq_*), as strace's ipc_*.c, mq.c."""

from __future__ import annotations

import struct
from typing import Any

from libctrace.syscalls.decode.core import (
    PTR,
    STR,
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    cquote,
    flags,
    in_struct,
    int32,
    octal,
    open_flags,
    out_struct,
    ptr,
    xlat,
)
from libctrace.syscalls.decode.timers import sigevent_text, timespec

_IPC_CREAT, _IPC_EXCL, _IPC_NOWAIT = 0o1000, 0o2000, 0o4000
_RESOURCE_BITS = ((_IPC_CREAT, "IPC_CREAT"), (_IPC_EXCL, "IPC_EXCL"), (_IPC_NOWAIT, "IPC_NOWAIT"))
_SHM_RESOURCE_BITS = ((_IPC_CREAT, "IPC_CREAT"), (_IPC_EXCL, "IPC_EXCL"), (0o4000, "SHM_HUGETLB"), (0o10000, "SHM_NORESERVE"))
_SHMAT_BITS = ((0o10000, "SHM_RDONLY"), (0o20000, "SHM_RND"), (0o40000, "SHM_REMAP"), (0o100000, "SHM_EXEC"))
_MSG_BITS = ((0o10000, "MSG_NOERROR"), (0o20000, "MSG_EXCEPT"), (0o40000, "MSG_COPY"), (_IPC_NOWAIT, "IPC_NOWAIT"))
_SEM_FLG = ((0x1000, "SEM_UNDO"), (_IPC_NOWAIT, "IPC_NOWAIT"))
_IPC_CMD = {0: "IPC_RMID", 1: "IPC_SET", 2: "IPC_STAT", 3: "IPC_INFO"}
_SEM_CMD = {**_IPC_CMD, 11: "GETPID", 12: "GETVAL", 13: "GETALL", 14: "GETNCNT", 15: "GETZCNT", 16: "SETVAL",
            17: "SETALL", 18: "SEM_STAT", 19: "SEM_INFO", 20: "SEM_STAT_ANY"}
_SHM_CMD = {**_IPC_CMD, 11: "SHM_LOCK", 12: "SHM_UNLOCK", 13: "SHM_STAT", 14: "SHM_INFO", 15: "SHM_STAT_ANY"}
_MSG_CMD = {**_IPC_CMD, 11: "MSG_STAT", 12: "MSG_INFO", 13: "MSG_STAT_ANY"}


def _key(v: int) -> str:
    k = v & 0xFFFFFFFF
    return "IPC_PRIVATE" if k == 0 else f"{k:#x}"


def _ipc_flags(v: int, table: tuple[tuple[int, str], ...]) -> str:
    """`IPC_CREAT|0600`; strace writes unknown bits straight before the mode (`0x800000600`)."""
    v &= 0xFFFFFFFF
    rest = v & ~0o777
    if not rest:
        return octal(v & 0o777)
    s = flags(rest, table)
    return f"{s}|{octal(v & 0o777)}" if not s.startswith("0x") else s + octal(v & 0o777)


def _cmd(v: int, table: dict[int, str], unknown: str) -> str:
    c = v & 0xFFFFFFFF
    if c & 0x100:  # IPC_64: the 64-bit structs
        return "IPC_64|" + xlat(c & ~0x100, table, unknown)
    return xlat(c, table, unknown)


def _perm(raw: bytes) -> str:
    key, uid, gid, cuid, cgid, mode = struct.unpack_from("=iIIIII", raw)
    return f"{{uid={uid}, gid={gid}, mode={octal(mode & 0o777)}, key={key}, cuid={cuid}, cgid={cgid}}}"


def _shmid_ds(raw: bytes) -> str:
    segsz, atime, dtime, ctime, cpid, lpid, nattch = struct.unpack_from("=Q3qiiQ", raw, 48)
    return (f"{{shm_perm={_perm(raw)}, shm_segsz={segsz}, shm_cpid={cpid}, shm_lpid={lpid}, shm_nattch={nattch}, "
            f"shm_atime={atime}, shm_dtime={dtime}, shm_ctime={ctime}}}")


def _msqid_ds(raw: bytes) -> str:
    stime, rtime, ctime, _cbytes, qnum, qbytes, lspid, lrpid = struct.unpack_from("=3q3Qii", raw, 48)
    return (f"{{msg_perm={_perm(raw)}, msg_stime={stime}, msg_rtime={rtime}, msg_ctime={ctime}, msg_qnum={qnum}, "
            f"msg_qbytes={qbytes}, msg_lspid={lspid}, msg_lrpid={lrpid}}}")


def _ctl_buf(d: Decoder, tid: int, a: Args, r: int, size: int, fmt: Any, stat_cmds: tuple[int, ...]) -> str:
    cmd = a[1] & 0xFF
    if cmd == 2 or cmd in stat_cmds:  # IPC_STAT, *_STAT, *_STAT_ANY: filled in
        return out_struct(d, tid, a[2], size, r, fmt)
    if cmd == 1:  # IPC_SET: read
        return in_struct(d, tid, a[2], size, fmt)
    return ptr(a[2])


def _shmctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _cmd(a[1], _SHM_CMD, "SHM_???"), _ctl_buf(d, tid, a, r, 112, _shmid_ds, (13, 15))]


def _msgctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _cmd(a[1], _MSG_CMD, "MSG_???"), _ctl_buf(d, tid, a, r, 120, _msqid_ds, (11, 13))]


def _semctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), int32(a[1]), _cmd(a[2], _SEM_CMD, "SEM_???"), ptr(a[3])]


def _sembufs(d: Decoder, tid: int, addr: int, n: int) -> str:
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, 6 * min(n, 1024))
    if len(raw) < 6 * min(n, 1024) or n == 0:
        return ptr(addr)
    parts = []
    for i in range(min(n, 1024)):
        num, op, flg = struct.unpack_from("=Hhh", raw, 6 * i)
        parts.append(f"{{sem_num={num}, sem_op={op}, sem_flg={flags(flg & 0xFFFF, _SEM_FLG)}}}")
    return "[" + ", ".join(parts) + "]"


def _semop(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _sembufs(d, tid, a[1], a[2]), a[2]]


def _semtimedop(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_semop(d, tid, t, a, r), in_struct(d, tid, a[3], 16, timespec)]


def _msgbuf(d: Decoder, tid: int, addr: int, size: int) -> str:
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, 8 + min(size, d.strsize + 1))
    if len(raw) < 8:
        return ptr(addr)
    mtype = struct.unpack_from("=q", raw)[0]
    return f"{{mtype={mtype}, mtext={cquote(raw[8:8 + size], d.strsize)}}}"


def _msgsnd(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _msgbuf(d, tid, a[1], a[2]), a[2], flags(a[3] & 0xFFFFFFFF, _MSG_BITS)]


def _msgrcv(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    buf = _msgbuf(d, tid, a[1], a[2]) if r >= 0 else ptr(a[1])
    return [int32(a[0]), buf, a[2], a[3] - (1 << 64) if a[3] >> 63 else a[3], flags(a[4] & 0xFFFFFFFF, _MSG_BITS)]


def _shmat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), ptr(a[1]), flags(a[2] & 0xFFFFFFFF, _SHMAT_BITS)]


def _shmget(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_key(a[0]), a[1], _ipc_flags(a[2], _SHM_RESOURCE_BITS)]


def _semget(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_key(a[0]), int32(a[1]), _ipc_flags(a[2], _RESOURCE_BITS)]


def _msgget(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_key(a[0]), _ipc_flags(a[1], _RESOURCE_BITS)]


# ---------------------------------------------------------------- POSIX message queues


def _mq_attr(raw: bytes) -> str:
    fl, maxmsg, msgsize, cur = struct.unpack_from("=4q", raw)
    return (f"{{mq_flags={flags(fl, ((0o4000, 'O_NONBLOCK'),))}, mq_maxmsg={maxmsg}, mq_msgsize={msgsize}, "
            f"mq_curmsgs={cur}}}")


def _mq_open(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    out: list[Any] = [d.string(tid, a[0]), open_flags(a[1])]
    if a[1] & 0o100:  # O_CREAT: the mode and the attributes
        out += [octal(a[2]), in_struct(d, tid, a[3], 64, _mq_attr)]
    return out


def _mq_timedsend(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), d.buf(tid, a[1], a[2]), a[2], a[3] & 0xFFFFFFFF, in_struct(d, tid, a[4], 16, timespec)]


def _mq_timedreceive(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    msg = d.buf(tid, a[1], r) if r >= 0 else ptr(a[1])
    prio = out_struct(d, tid, a[3], 4, r, lambda raw: f"[{struct.unpack('=I', raw)[0]}]")
    return [int32(a[0]), msg, a[2], prio, in_struct(d, tid, a[4], 16, timespec)]


def _mq_notify(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), in_struct(d, tid, a[1], 32, sigevent_text)]


def _mq_getsetattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), in_struct(d, tid, a[1], 32, _mq_attr), out_struct(d, tid, a[2], 32, r, _mq_attr)]


HANDLERS: dict[str, Handler] = {
    "semget": _semget, "semop": _semop, "semtimedop": _semtimedop, "semctl": _semctl,
    "shmget": _shmget, "shmat": _shmat, "shmctl": _shmctl, "msgget": _msgget, "msgsnd": _msgsnd,
    "msgrcv": _msgrcv, "msgctl": _msgctl, "mq_open": _mq_open, "mq_timedsend": _mq_timedsend,
    "mq_timedreceive": _mq_timedreceive, "mq_notify": _mq_notify, "mq_getsetattr": _mq_getsetattr,
}
# Arguments that handlers return as C strings (the renderer quotes them).
STRINGS: dict[str, tuple[int, ...]] = {"mq_open": (0,)}
SPECS: dict[str, tuple[Kind, ...]] = {
    "shmdt": (PTR,), "mq_unlink": (STR,),
}
