/* Declarations only: libFuzzer itself comes from the sanitizer runtime at link time. */
#include "CFuzzer.h"
