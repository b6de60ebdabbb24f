// Nothing to compile: the header declares libFuzzer's driver, which the sanitizer runtime defines.
#include "fuzzer_driver.h"
