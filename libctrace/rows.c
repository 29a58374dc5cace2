/* Reading a trace: its syscall rows (version 2 and later) turned into event dicts, in C.
 *
 * A million-event trace is a million rows [t, pid, name, args, ret, dur, {rest}]; turning
 * each into its dict, with the reader's quick check of every field's type, cost about 0.6 us
 * of interpreter work per row, more than orjson takes to parse the line. This does the same
 * for a run of rows at once (libctrace/traceio.py, _fast_rows is the same logic in Python,
 * used when this module is not compiled). Stable ABI: one build serves every CPython >= 3.11.
 */
#define Py_LIMITED_API 0x030B0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *k_type, *k_seq, *k_t, *k_pid, *k_name, *k_args, *k_ret, *k_errno, *k_dur, *k_tid,
    *k_fd_path, *v_syscall, *rest_keys;

/* The type checks of traceio._row_event: exact types (JSON true is not a number). */
static int is_int(PyObject *o) { return Py_TYPE(o) == &PyLong_Type; }
static int is_int_null(PyObject *o) { return o == Py_None || is_int(o); }
static int is_str(PyObject *o) { return Py_TYPE(o) == &PyUnicode_Type; }
static int is_str_null(PyObject *o) { return o == Py_None || is_str(o); }

/* 1: rest[key] is absent or passes ok(); 0: it does not; -1: an error. */
static int field_ok(PyObject *rest, PyObject *key, int (*ok)(PyObject *)) {
    PyObject *v = PyDict_GetItemWithError(rest, key);
    if (v == NULL)
        return PyErr_Occurred() ? -1 : 1;
    return ok(v);
}

static int rest_ok(PyObject *rest) {
    if (Py_TYPE(rest) != &PyDict_Type)
        return 0;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(rest, &pos, &key, &value)) {
        int known = PySet_Contains(rest_keys, key);
        if (known <= 0)
            return known; /* -1: an error */
    }
    int r;
    if ((r = field_ok(rest, k_errno, is_str_null)) <= 0 || (r = field_ok(rest, k_tid, is_int)) <= 0)
        return r;
    return field_ok(rest, k_fd_path, is_str);
}

static int set_micros(PyObject *e, PyObject *key, PyObject *micros) {
    double v = PyLong_AsDouble(micros);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    PyObject *f = PyFloat_FromDouble(v / 1e6);
    if (f == NULL)
        return -1;
    int r = PyDict_SetItem(e, key, f);
    Py_DECREF(f);
    return r;
}

/* The event of a well-formed row; NULL without an error set: not one (the caller's full check
 * says what is wrong); NULL with an error set: out of memory. */
static PyObject *row_event(PyObject *row, long long seq) {
    if (Py_TYPE(row) != &PyList_Type)
        return NULL;
    Py_ssize_t n = PyList_Size(row);
    if (n != 6 && n != 7)
        return NULL;
    PyObject *t = PyList_GetItem(row, 0), *pid = PyList_GetItem(row, 1), *name = PyList_GetItem(row, 2),
             *args = PyList_GetItem(row, 3), *ret = PyList_GetItem(row, 4), *dur = PyList_GetItem(row, 5),
             *rest = n == 7 ? PyList_GetItem(row, 6) : NULL;
    if (!is_int(t) || !is_int(pid) || !is_str(name) || Py_TYPE(args) != &PyList_Type ||
        !is_int_null(ret) || !is_int_null(dur))
        return NULL;
    if (rest != NULL) {
        int ok = rest_ok(rest);
        if (ok <= 0)
            return NULL;
    }
    PyObject *e = PyDict_New(), *s = PyLong_FromLongLong(seq);
    if (e == NULL || s == NULL ||
        PyDict_SetItem(e, k_type, v_syscall) < 0 || PyDict_SetItem(e, k_seq, s) < 0 || set_micros(e, k_t, t) < 0 ||
        PyDict_SetItem(e, k_pid, pid) < 0 || PyDict_SetItem(e, k_name, name) < 0 ||
        PyDict_SetItem(e, k_args, args) < 0 || PyDict_SetItem(e, k_ret, ret) < 0 ||
        PyDict_SetItem(e, k_errno, Py_None) < 0 || (rest != NULL && PyDict_Update(e, rest) < 0) ||
        (dur != Py_None && set_micros(e, k_dur, dur) < 0)) {
        Py_XDECREF(e);
        Py_XDECREF(s);
        return NULL;
    }
    Py_DECREF(s);
    return e;
}

/* fast_rows(objs, start, seq, out) -> (stop, seq): the rows objs[start:stop] as events
 * appended to out, numbered from seq + 1; stop is the first object that is not a
 * well-formed syscall row (len(objs) when all are), seq the last number given. */
static PyObject *fast_rows(PyObject *self, PyObject *argv) {
    (void)self;
    PyObject *objs, *out;
    Py_ssize_t start;
    long long seq;
    if (!PyArg_ParseTuple(argv, "O!nLO!", &PyList_Type, &objs, &start, &seq, &PyList_Type, &out))
        return NULL;
    Py_ssize_t n = PyList_Size(objs), i;
    if (start < 0 || start > n) {
        PyErr_SetString(PyExc_IndexError, "fast_rows: start out of range");
        return NULL;
    }
    for (i = start; i < n; i++) {
        PyObject *e = row_event(PyList_GetItem(objs, i), seq + 1);
        if (e == NULL) {
            if (PyErr_Occurred())
                return NULL;
            break;
        }
        int r = PyList_Append(out, e);
        Py_DECREF(e);
        if (r < 0)
            return NULL;
        seq++;
    }
    return Py_BuildValue("nL", i, seq);
}

static PyMethodDef methods[] = {
    {"fast_rows", fast_rows, METH_VARARGS, "The well-formed syscall rows from objs[start] on, as events."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rows", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__rows(void) {
    static const char *const names[] = {"type", "seq", "t", "pid", "name", "args", "ret",
                                        "errno", "dur", "tid", "fd_path", "syscall"};
    PyObject **slots[] = {&k_type, &k_seq, &k_t, &k_pid, &k_name, &k_args, &k_ret,
                          &k_errno, &k_dur, &k_tid, &k_fd_path, &v_syscall};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        *slots[i] = PyUnicode_InternFromString(names[i]);
        if (*slots[i] == NULL)
            return NULL;
    }
    /* traceio._ROW_REST: the fields besides the row's own a row may hold */
    PyObject *keys = Py_BuildValue("(OOOss)", k_errno, k_tid, k_fd_path, "ret_text", "arch");
    if (keys == NULL)
        return NULL;
    rest_keys = PyFrozenSet_New(keys);
    Py_DECREF(keys);
    if (rest_keys == NULL)
        return NULL;
    return PyModule_Create(&module);
}
