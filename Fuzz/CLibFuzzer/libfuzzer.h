// libFuzzer's entry point for programs that have their own `main` (LLVM's libFuzzer
// documentation, "Using libFuzzer as a library"). It is in the libFuzzer runtime that
// `-sanitize=fuzzer` links into the two fuzz products.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
