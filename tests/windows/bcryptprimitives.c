/*
 * A stand-in for Windows' bcryptprimitives.dll, for running the Windows test binaries under
 * Wine 8 (Debian bookworm's), which lacks it. Rust's standard library imports ProcessPrng from
 * it for random numbers (HashMap keys); this one answers with RtlGenRandom, which Wine has.
 * `cargo xtask test-windows` builds it with MinGW and puts it next to the test binaries.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
