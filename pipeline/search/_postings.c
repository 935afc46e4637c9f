/* The inner loop of a search term from memory: for each posting, the best score so far of its item.

   scores[sid] = max(scores[sid], table[code]) for every (sid, code) pair of a word id's postings, where
   `table` holds impact x weight for each distinct impact. numpy needs a gather, a max and a scatter (three
   passes and two temporary arrays) for the same; here it is one pass, without the GIL. Out-of-range sids or
   codes are an error, never a write outside the buffers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *scatter_max(PyObject *self, PyObject *args) {
    Py_buffer scores, sids, codes, table;
    int code_bytes;
    if (!PyArg_ParseTuple(args, "w*y*y*y*i", &scores, &sids, &codes, &table, &code_bytes))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n_scores = scores.len / (Py_ssize_t)sizeof(float);
    Py_ssize_t n = sids.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t n_table = table.len / (Py_ssize_t)sizeof(float);
    if ((code_bytes != 1 && code_bytes != 2) || codes.len != n * code_bytes) {
        PyErr_SetString(PyExc_ValueError, "codes must be uint8 or uint16, one per sid");
        goto done;
    }
    float *out = (float *)scores.buf;
    const int32_t *sid = (const int32_t *)sids.buf;
    const float *value = (const float *)table.buf;
    const uint8_t *code8 = (const uint8_t *)codes.buf;
    const uint16_t *code16 = (const uint16_t *)codes.buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        int32_t s = sid[i];
        Py_ssize_t c = code_bytes == 1 ? code8[i] : code16[i];
        if (s < 0 || s >= n_scores || c >= n_table) { bad = 1; break; }
        float v = value[c];
        if (v > out[s]) out[s] = v;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_IndexError, "posting outside the score array or impact table");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&scores);
    PyBuffer_Release(&sids);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&table);
    return result;
}

static PyMethodDef methods[] = {
    {"scatter_max", scatter_max, METH_VARARGS,
     "scatter_max(scores float32, sids int32, codes uint8|uint16, table float32, code_bytes): "
     "scores[sid] = max(scores[sid], table[code]) for every posting."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_postings", NULL, -1, methods};

PyMODINIT_FUNC PyInit__postings(void) { return PyModule_Create(&module); }
