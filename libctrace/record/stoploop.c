/* The recorder's stop loop for the calls that need nothing from the program's memory, in C
 * (loaded with ctypes).
 *
 * Every ptrace stop costs two context switches in the kernel; in Python it also cost about
 * 9 us of interpreter work (waitpid, PTRACE_GET_SYSCALL_INFO, restart, a dict per event).
 * For the calls Python marks in plain[] (arguments that are plain numbers, like getppid or
 * sched_yield, and calls decoded from their numbers alone, like futex, mmap or close) this
 * loop does the waiting, reading and restarting itself and keeps each call as one fixed-size
 * record; Python turns a batch of records into events at once (libctrace/record/recorder.py). For a
 * few hot calls whose decoders read a small struct or string (spec[], libctrace/syscalls/decode/copied.py)
 * it copies those bytes at the exit stop into the record's copies, for Python to decode from. Every
 * other stop (calls whose paths or buffers must be read while the thread is stopped, signals,
 * fork/exec events, exits) goes back to Python as it came, with its syscall info already read.
 *
 * Compiled with the package (setup.py) into libctrace/record/_stoploop.abi3.so; without it the recorder
 * runs the same logic in Python (slower, same events).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif
#define REQ_SYSCALL 24
#define REQ_CONT 7
#define REQ_GET_SYSCALL_INFO 0x420e
#define OP_ENTRY 1
#define OP_EXIT 2
#define OP_SECCOMP 3
#define EVENT_SECCOMP 7
#define AUDIT_ARCH_X86_64 0xc000003eu
#define NR_MAX 1024   /* the size of the plain[] table Python passes */
#define PENDING 1024  /* threads inside a plain call at once; more go to Python */
#define SLOTS 3       /* memory ranges copied per call (libctrace/syscalls/decode/copied.py) */
#define SLOT_SIZE 256 /* bytes per range */
#define COPY_FIXED 1  /* size bytes at args[arg] */
#define COPY_CSTR 2   /* a C string at args[arg]: its NUL within the copy, or unreadable */
#define COPY_RET 3    /* the result's count of bytes at args[arg], when the call returned > 0 */
#define COPY_ATPATH 4 /* a path at args[arg] as COPY_CSTR; relative to the cwd (args[0] AT_FDCWD)
                       * in a call that succeeded, it goes to Python, which reads the cwd then */
#define COPY_DIRENTS 5 /* how many directory entries the result's bytes at args[arg] hold (getdents,
                       * getdents64: d_reclen at offset 16 in both), as an int32 */
#define DIRENTS_MAX (1 << 20) /* a longer result goes to Python */
#define AT_FDCWD_ (-100)
#define NAME_SIZE 32  /* bytes per name in names[] and errnames[] */
#define ERRNO_MAX 4096
#define THREADS 1024  /* threads (tid != its process's id) whose process C knows */
#define ROW_MAX 512   /* the longest row: 6 signed 64-bit numbers, a name, errno, tid and more */

/* struct ptrace_syscall_info (linux/ptrace.h), as much as this file reads. */
struct syscall_info {
    uint8_t op;
    uint8_t pad[3];
    uint32_t arch;
    uint64_t instruction_pointer, stack_pointer;
    union {
        struct { uint64_t nr, args[6]; } entry;  /* also the seccomp stop */
        struct { int64_t rval; uint8_t is_error; } exit;
        struct { uint64_t nr, args[6]; uint32_t ret_data; } seccomp;
    };
};

/* One finished call: the layout of stoploop.RAW. */
struct raw_call {
    int32_t tid, nr;
    uint64_t args[6];
    int64_t ret;
    double entered, left;  /* CLOCK_MONOTONIC seconds, as time.monotonic() */
};

/* What to copy from the program's memory at a call's exit, per slot (0: none). */
struct copy_spec { uint8_t arg, kind; uint16_t size; };

/* The copies for raw[i]: len < 0 unreadable, < the size asked for: cut by unmapped memory. */
struct copies {
    uint64_t addr[SLOTS];
    int32_t len[SLOTS];
    int32_t pad;
    uint8_t data[SLOTS][SLOT_SIZE];
};

/* Shared with Python (stoploop._Ctx): the same fields in this order. */
struct ctx {
    /* set by Python */
    struct raw_call *raw;  /* room for `cap` records */
    const uint8_t *plain;  /* NR_MAX flags: 1 = this x86_64 call is recorded here */
    struct syscall_info *info;  /* where a stop handed to Python has its info */
    const struct copy_spec *spec;  /* NR_MAX * SLOTS: the memory each handled call needs */
    struct copies *copies;  /* room for `cap`: the copies of raw[i] */
    int32_t cap;
    int32_t all_mode;  /* no seccomp filter: resume with PTRACE_SYSCALL after every exit */
    int32_t spin;      /* polls before blocking in waitpid (0 when all runs on one CPU) */
    /* set here */
    int32_t nraw;      /* records in raw[] not yet taken by Python */
    int32_t tid, status;  /* the stop handed to Python */
    int32_t info_len;  /* > 0: *info holds that stop's PTRACE_GET_SYSCALL_INFO */
    /* threads stopped inside a plain call: entry seen, exit not yet */
    int32_t npending;
    /* the trace's rows of the calls with names[nr] set (the calls with nothing to decode),
     * written here as JSON (traceio.syscall_row's form) when Python only writes its events */
    char *text;               /* room for cap * ROW_MAX bytes; set by Python, 0: no rows */
    int32_t *ends;            /* ends[i]: where raw[i]'s row ends in text (its start: ends[i-1]) */
    const char *names;        /* NR_MAX * NAME_SIZE: the call's name, "" for none */
    const uint8_t *nargs;     /* NR_MAX: its argument count */
    const char *errnames;     /* ERRNO_MAX * NAME_SIZE: errno names, "" for E<n> */
    double t0;                /* the recording's time origin (time.monotonic()) */
    int32_t text_len;         /* bytes in text; set to 0 by Python with nraw */
    int32_t rows;             /* rows in text */
    int32_t nthreads;         /* threads[i] = {tid, process id}; set by Python */
    int32_t threads[THREADS][2];
    struct raw_call pending[PENDING];
};

/* Python checks its mirror of struct ctx against this before the first use. */
long stoploop_ctx_size(void) { return (long)sizeof(struct ctx); }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct raw_call *find(struct ctx *c, int32_t tid) {
    for (int32_t i = 0; i < c->npending; i++)
        if (c->pending[i].tid == tid) return &c->pending[i];
    return 0;
}

static void drop(struct ctx *c, struct raw_call *p) {
    *p = c->pending[--c->npending];
}

/* Counts the directory entries in the size bytes at addr into *count (decode/core.py
 * count_dirents over what Memory.read gives); the bytes written, 4, or -1 if unreadable. */
static int32_t dirents(int32_t tid, uint64_t addr, size_t size, uint8_t *count) {
    static uint8_t buf[DIRENTS_MAX];
    struct iovec local = {buf, size}, remote = {(void *)addr, size};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    int32_t entries = 0;
    for (ssize_t off = 0; n > 0 && off + 18 <= n; entries++) {
        uint16_t reclen;
        memcpy(&reclen, buf + off + 16, sizeof reclen);
        if (!reclen) break;
        off += reclen;
    }
    memcpy(count, &entries, sizeof entries);
    return n < 0 ? -1 : (int32_t)sizeof entries;
}

/* The lowest address a process can map (vm.mmap_min_addr, read once; 0 if unknown): a
 * pointer argument below it is an integer the call takes instead (fcntl F_SETFD's 1), which
 * process_vm_readv would fail on (EFAULT) at a syscall's cost: find makes 34k such calls. */
static uint64_t min_addr(void) {
    static int known;
    static uint64_t lowest;
    if (!known) {
        FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "re");
        unsigned long long v;
        if (f && fscanf(f, "%llu", &v) == 1) lowest = v;
        if (f) fclose(f);
        known = 1;
    }
    return lowest;
}

/* Copies the memory the decoder of p's call reads into *out while the thread is stopped at
 * its exit; 0 when the copy cannot stand for that read (a longer string or result), which
 * hands the stop to Python (Python takes the open call with stoploop_forget). */
static int copy(const struct ctx *c, int32_t tid, const struct raw_call *p, struct copies *out) {
    const struct copy_spec *sp = &c->spec[p->nr * SLOTS];
    for (int i = 0; i < SLOTS; i++) {
        out->len[i] = 0;
        out->addr[i] = 0;
        if (!sp[i].kind) continue;
        uint64_t addr = p->args[sp[i].arg];
        size_t size = sp[i].size;
        if (sp[i].kind == COPY_DIRENTS) {
            if (p->ret <= 0) continue;
            if (p->ret > DIRENTS_MAX) return 0;
            out->addr[i] = addr;
            out->len[i] = dirents(tid, addr, (size_t)p->ret, out->data[i]);
            continue;
        }
        if (sp[i].kind == COPY_RET) {
            if (p->ret <= 0) continue;
            if ((uint64_t)p->ret > size) return 0;
            size = (size_t)p->ret;
        }
        out->addr[i] = addr;
        if (!addr) continue;
        if (addr < min_addr()) {  /* unmapped: what the read would give */
            out->len[i] = -1;
            continue;
        }
        struct iovec local = {out->data[i], size}, remote = {(void *)addr, size};
        ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
        out->len[i] = n < 0 ? -1 : (int32_t)n;
        int str = sp[i].kind == COPY_CSTR || sp[i].kind == COPY_ATPATH;
        if (str && n == (ssize_t)size && !memchr(out->data[i], 0, size))
            return 0;
        if (sp[i].kind == COPY_ATPATH && n > 0 && out->data[i][0] != '/' && p->ret >= 0 &&
            (int32_t)p->args[0] == AT_FDCWD_)
            return 0;
    }
    return 1;
}

static long long us(double seconds) {  /* rounded to the microsecond, as Python's round() */
    double x = seconds * 1e6;
    return x >= 0 ? (long long)(x + 0.5) : -(long long)(0.5 - x);
}

static int32_t process_of(const struct ctx *c, int32_t tid) {
    for (int32_t i = 0; i < c->nthreads; i++)
        if (c->threads[i][0] == tid) return c->threads[i][1];
    return tid;
}

/* Appends r's row to text: [t, pid, "name", [args], ret, dur] with t and dur in microseconds,
 * then {"tid": .., "errno": ..} when the thread is not its process's leader or the call failed:
 * what traceio.syscall_row makes of recorder._plain's event, byte for byte. */
static void row(struct ctx *c, const struct raw_call *r) {
    char *out = c->text + c->text_len;
    int32_t pid = process_of(c, r->tid);
    long long t = us(r->entered - c->t0);
    int n = sprintf(out, "[%lld,%d,\"%s\",[", t, pid, c->names + r->nr * NAME_SIZE);
    for (int i = 0; i < c->nargs[r->nr] && i < 6; i++)
        n += sprintf(out + n, i ? ",%lld" : "%lld", (long long)r->args[i]);
    n += sprintf(out + n, "],%lld,%lld", (long long)r->ret, us(r->left - c->t0) - t);
    int failed = r->ret < 0 && r->ret > -ERRNO_MAX;
    /* errno.errorcode's name, else E<n> as decode/core.py errname */
    const char *err = failed ? c->errnames + (-r->ret) * NAME_SIZE : "";
    char unknown[NAME_SIZE];
    if (failed && !*err) {
        snprintf(unknown, sizeof unknown, "E%lld", -(long long)r->ret);
        err = unknown;
    }
    if (pid != r->tid && failed)
        n += sprintf(out + n, ",{\"tid\":%d,\"errno\":\"%s\"}", r->tid, err);
    else if (pid != r->tid)
        n += sprintf(out + n, ",{\"tid\":%d}", r->tid);
    else if (failed)
        n += sprintf(out + n, ",{\"errno\":\"%s\"}", err);
    out[n++] = ']';
    out[n++] = '\n';
    c->text_len += n;
    c->rows++;
}

/* Handles one syscall stop if it belongs here; 0 hands it to Python. */
static int handle(struct ctx *c, int32_t tid) {
    long n = ptrace(REQ_GET_SYSCALL_INFO, tid, (void *)sizeof *c->info, c->info);
    if (n <= 0) return 0;  /* Python reads it again and deals with the error */
    c->info_len = (int32_t)n;
    struct syscall_info *si = c->info;
    if (si->op == OP_EXIT) {
        struct raw_call *p = find(c, tid);
        if (!p) return 0;
        p->ret = si->exit.rval;
        if (c->spec[p->nr * SLOTS].kind && !copy(c, tid, p, &c->copies[c->nraw])) return 0;
        struct raw_call *r = &c->raw[c->nraw];
        *r = *p;
        r->left = now();
        drop(c, p);
        if (c->text && c->names[r->nr * NAME_SIZE]) row(c, r);
        if (c->text) c->ends[c->nraw] = c->text_len;
        c->nraw++;
        /* ESRCH: killed meanwhile; its exit status comes next */
        ptrace(c->all_mode ? REQ_SYSCALL : REQ_CONT, tid, 0, 0);
        return 1;
    }
    if ((si->op != OP_ENTRY && si->op != OP_SECCOMP) || si->arch != AUDIT_ARCH_X86_64 ||
        si->entry.nr >= NR_MAX || !c->plain[si->entry.nr] || c->npending == PENDING)
        return 0;
    struct raw_call *p = &c->pending[c->npending++];
    p->tid = tid;
    p->nr = (int32_t)si->entry.nr;
    memcpy(p->args, si->entry.args, sizeof p->args);
    p->entered = now();
    ptrace(REQ_SYSCALL, tid, 0, 0);
    return 1;
}

/* Waits for stops until one is for Python (returns 0, in c->tid and c->status), raw[] is
 * full (1), or waitpid fails (-errno: EINTR lets Python run its signal handlers). */
int stoploop_run(struct ctx *c) {
    while (c->nraw < c->cap) {
        int status;
        /* The program stops again within microseconds when it runs on another CPU: polling
         * first saves the wake-up of an idle CPU, which costs more than the stop itself. */
        pid_t tid = 0;
        for (int32_t i = 0; i < c->spin && tid == 0; i++)
            tid = waitpid(-1, &status, __WALL | WNOHANG);
        if (tid == 0) tid = waitpid(-1, &status, __WALL);
        if (tid < 0) return -errno;
        c->info_len = 0;
        int sig = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
        if (!(sig == (SIGTRAP | 0x80) || (sig == SIGTRAP && status >> 16 == EVENT_SECCOMP)) ||
            !handle(c, tid)) {
            c->tid = tid;
            c->status = status;
            return 0;
        }
    }
    return 1;
}

/* A thread left while inside a plain call (killed, or voided by another thread's exec):
 * copies its open call to *out and forgets it; 0 if it had none. */
int stoploop_forget(struct ctx *c, int32_t tid, struct raw_call *out) {
    struct raw_call *p = find(c, tid);
    if (!p) return 0;
    *out = *p;
    drop(c, p);
    return 1;
}
