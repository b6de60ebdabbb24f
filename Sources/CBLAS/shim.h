// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads, ...).
#include <cblas.h>
