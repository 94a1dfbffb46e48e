/*
 * Runs examples/wis_example against a simulator (pty path, termios
 * transport) and plays the user: checks LED1 lights while it runs, presses
 * and releases SW1, and checks what the example printed.
 */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_example WISRPC_SIM WIS_EXAMPLE\n");
		return 77;
	}
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--adc", "AIN0=1234", NULL);
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(argv[2], argv[2], s.pty, "2", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	char out[8192];
	size_t len = 0;
	int pressed = 0;
	int64_t end = mono_ns() + 8000000000LL;
	char reply[256];
	for (;;) {
		struct pollfd p = {pfd[0], POLLIN, 0};
		if (mono_ns() > end || poll(&p, 1, 100) < 0)
			break;
		if (p.revents) {
			ssize_t r = read(pfd[0], out + len, sizeof out - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			out[len] = 0;
		}
		if (!pressed && strstr(out, "watching SW1")) {
			CHECK(sim_ctl(&s, reply, sizeof reply, "led LED1") == 0 &&
			      strstr(reply, "on"));
			CHECK(sim_ctl(&s, reply, sizeof reply, "press SW1") == 0);
			usleep(50000);
			CHECK(sim_ctl(&s, reply, sizeof reply, "release SW1") == 0);
			pressed = 1;
		}
	}
	int status = -1;
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	printf("%s", out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "RAK4631 firmware"));
	CHECK(strstr(out, "AIN0 = 1234 mV"));
	CHECK(strstr(out, "SW1 pressed (falling)"));
	CHECK(strstr(out, "SW1 released (rising)"));
	CHECK(strstr(out, "LED1 off, done"));
	CHECK(sim_ctl(&s, reply, sizeof reply, "led LED1") == 0 && strstr(reply, "off"));
	sim_stop(&s);
	return TEST_RESULT();
}
