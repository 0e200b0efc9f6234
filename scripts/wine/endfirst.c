/*
 * endfirst.exe: a stand-in upgrade that the end of the session ends before
 * upwrap's sentinel hears of it (scripts/wine-harness, docs/design.md §12).
 *
 *   endfirst.exe RUNS STAMPS            the upgrade (upwrap's child)
 *   endfirst.exe --companion STAMPS     started before upwrap
 *
 * Wine's wineboot -e sends WM_QUERYENDSESSION and WM_ENDSESSION one process
 * at a time, in process id order (programs/wineboot/shutdown.c: the windows
 * are sorted by pid, no shutdown levels), and upwrap starts its sentinel
 * before its child, so a child with a window of its own hears of the end of
 * the session after the sentinel. The companion stands for the part of the
 * system that ends console processes at a shutdown (CTRL_SHUTDOWN_EVENT,
 * which Wine does not send): started before upwrap, its id is below the
 * sentinel's (the harness checks), so wineboot reaches its window first.
 *
 * The child appends "x" to RUNS (one line per run of the upgrade), holds a
 * named mutex and waits for the companion's named event (or a session end
 * message to a hidden window of its own). Then it appends "child-exit
 * <unix ns> pid=<pid>" to STAMPS and ends at once with
 * STATUS_CONTROL_C_EXIT (0xC000013A), what Windows' default console handler
 * gives a process at CTRL_SHUTDOWN_EVENT.
 *
 * The companion, at WM_QUERYENDSESSION, sets the event, waits (5 s at most)
 * for the child's mutex to be abandoned, that is for the child to be gone,
 * stamps "companion-answer", and answers 1 s later: wineboot moves on to
 * the next process (the sentinel) only then, after upwrap has seen its
 * child's end (under Wine upwrap's job wait has been seen to take 80 ms to
 * report it; without the pause the notice could overtake it, and the test
 * would no longer be of the shutdown window).
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define END_EVENT "upwrap-endfirst-end"
#define ALIVE_MUTEX "upwrap-endfirst-alive"

static const char *stamps;
static int companion;

static void stamp(const char *what)
{
	FILETIME ft;
	ULARGE_INTEGER u;
	FILE *f = fopen(stamps, "a");
	if (!f)
		return;
	GetSystemTimePreciseAsFileTime(&ft);
	u.LowPart = ft.dwLowDateTime;
	u.HighPart = ft.dwHighDateTime;
	fprintf(f, "%s %llu pid=%lu\n", what, (u.QuadPart - 116444736000000000ULL) * 100,
		(unsigned long)GetCurrentProcessId());
	fclose(f);
}

static LRESULT CALLBACK wndproc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
	if (companion && msg == WM_QUERYENDSESSION) {
		HANDLE ev = OpenEventA(EVENT_MODIFY_STATE, FALSE, END_EVENT);
		HANDLE mu = OpenMutexA(SYNCHRONIZE, FALSE, ALIVE_MUTEX);
		DWORD r = WAIT_FAILED;
		stamp("companion-query");
		if (ev)
			SetEvent(ev);
		if (mu)
			r = WaitForSingleObject(mu, 5000);
		stamp(r == WAIT_ABANDONED ? "companion-answer child-gone" : "companion-answer child-not-seen-gone");
		Sleep(1000);
		return TRUE;
	}
	if (!companion && (msg == WM_QUERYENDSESSION || msg == WM_ENDSESSION)) {
		stamp(msg == WM_QUERYENDSESSION ? "child-exit WM_QUERYENDSESSION" : "child-exit WM_ENDSESSION");
		ExitProcess(0xC000013A);
	}
	return DefWindowProcA(hwnd, msg, wp, lp);
}

int main(int argc, char **argv)
{
	WNDCLASSA wc = {0};
	MSG m;
	FILE *f;
	HANDLE ev = NULL;
	if (argc != 3) {
		fprintf(stderr, "usage: endfirst.exe RUNS STAMPS | endfirst.exe --companion STAMPS\n");
		return 2;
	}
	stamps = argv[2];
	companion = !strcmp(argv[1], "--companion");
	if (companion) {
		/* Manual reset: the event outlives a child that is not there yet. */
		if (!CreateEventA(NULL, TRUE, FALSE, END_EVENT))
			return 3;
	} else {
		if (!(f = fopen(argv[1], "a")))
			return 3;
		fputs("x\n", f);
		fclose(f);
		if (!CreateMutexA(NULL, TRUE, ALIVE_MUTEX))
			return 3;
		ev = OpenEventA(SYNCHRONIZE, FALSE, END_EVENT);
	}
	wc.lpfnWndProc = wndproc;
	wc.hInstance = GetModuleHandleA(NULL);
	wc.lpszClassName = "upwrap-endfirst";
	if (!RegisterClassA(&wc))
		return 4;
	/* Top-level and never shown: wineboot enumerates it with EnumWindows. */
	if (!CreateWindowExA(0, wc.lpszClassName, wc.lpszClassName, 0, 0, 0, 0, 0, NULL, NULL, wc.hInstance, NULL))
		return 5;
	stamp(companion ? "companion-ready" : "child-ready");
	for (;;) {
		DWORD r = MsgWaitForMultipleObjects(ev ? 1 : 0, &ev, FALSE, INFINITE, QS_ALLINPUT);
		if (ev && r == WAIT_OBJECT_0) {
			stamp("child-exit companion-event");
			ExitProcess(0xC000013A);
		}
		while (PeekMessageA(&m, NULL, 0, 0, PM_REMOVE)) {
			if (m.message == WM_QUIT)
				return 6;
			DispatchMessageA(&m);
		}
	}
}
