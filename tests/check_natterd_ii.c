/*
 * A real Debian IRC client through natterd: ii (FIFO and file based)
 * connects, joins, sends and receives, with a raw harness connection on
 * the other end. Skips (77) when ii is not installed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_STEP_MS 20

static char ii_path[512];

static bool
find_ii(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s:/usr/bin:/bin",
	    path != NULL ? path : "");
	for (char *dir, *p = buf; (dir = strsep(&p, ":")) != NULL;) {
		snprintf(ii_path, sizeof(ii_path), "%s/ii", dir[0] ? dir : ".");
		if (access(ii_path, X_OK) == 0)
			return true;
	}
	return false;
}

/* Write line to ii's FIFO, waiting (with a deadline) for ii to open it. */
static void
fifo_write(const char *path, const char *line)
{
	int fd = -1;

	for (int waited = 0; waited < ND_TIMEOUT_MS; waited += WAIT_STEP_MS) {
		fd = open(path, O_WRONLY | O_NONBLOCK);
		if (fd >= 0)
			break;
		poll(NULL, 0, WAIT_STEP_MS);
	}
	ck_assert_msg(fd >= 0, "ii never opened %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
}

/* Wait until the file at path contains text. */
static bool
file_has(const char *path, const char *text)
{
	char buf[65536];

	for (int waited = 0; waited < ND_TIMEOUT_MS; waited += WAIT_STEP_MS) {
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			if (strstr(buf, text) != NULL)
				return true;
		}
		poll(NULL, 0, WAIT_STEP_MS);
	}
	return false;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

START_TEST(ii_joins_sends_receives)
{
	struct nd_server s;
	char dir[256], port[16], in[400], chan_in[400], chan_out[400];
	const char *tmp = getenv("TMPDIR");
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/natterd-ii.XXXXXX",
	    tmp != NULL && tmp[0] ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_send(a, "JOIN #lan");
	ND_EXPECT(a, " 366 ");

	snprintf(port, sizeof(port), "%d", s.port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl(ii_path, "ii", "-s", "127.0.0.1", "-p", port, "-n",
		    "iiuser", "-f", "ii user", "-i", dir, (char *)NULL);
		_exit(127);
	}
	snprintf(in, sizeof(in), "%s/127.0.0.1/in", dir);
	snprintf(chan_in, sizeof(chan_in), "%s/127.0.0.1/#lan/in", dir);
	snprintf(chan_out, sizeof(chan_out), "%s/127.0.0.1/#lan/out", dir);

	fifo_write(in, "/j #lan\n");
	ND_EXPECT(a, "^:iiuser!.*@127\\.0\\.0\\.1 JOIN #lan$");
	nd_send(a, "PRIVMSG #lan :hello ii");
	ck_assert_msg(file_has(chan_out, "<alice> hello ii"),
	    "ii did not show alice's message in %s", chan_out);
	fifo_write(chan_in, "hello alice\n");
	ND_EXPECT(a, "^:iiuser!.* PRIVMSG #lan :hello alice$");
	/* A private message lands in ii's directory for alice. */
	char priv_out[400];
	snprintf(priv_out, sizeof(priv_out), "%s/127.0.0.1/alice/out", dir);
	nd_send(a, "PRIVMSG iiuser :private word");
	ck_assert_msg(file_has(priv_out, "<alice> private word"),
	    "ii did not show the private message in %s", priv_out);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	ND_EXPECT(a, "^:iiuser!.* QUIT :");
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (!find_ii()) {
		printf("ii is not installed (apt-get install ii): skipped\n");
		return 77;
	}
	s = suite_create("natterd-ii");
	tc = tcase_create("ii");
	tcase_add_test(tc, ii_joins_sends_receives);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
