/* bcryptprimitives.dll stand-in for Wine 8, which lacks ProcessPrng: the Go
 * runtime (>= 1.22) imports it at start-up and dies without it. Fills the
 * buffer from RtlGenRandom (advapi32's SystemFunction036), in chunks since
 * that takes a ULONG length. Built by scripts/wine-harness; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

BOOL WINAPI ProcessPrng(PBYTE p, SIZE_T n)
{
	while (n > 0) {
		ULONG chunk = n > 0x10000000 ? 0x10000000 : (ULONG)n;
		if (!SystemFunction036(p, chunk))
			return FALSE;
		p += chunk;
		n -= chunk;
	}
	return TRUE;
}
