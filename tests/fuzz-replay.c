/*
 * A fuzz target's seed corpus without libFuzzer: linked with a target's
 * LLVMFuzzerTestOneInput, it runs every file of
 * $top_srcdir/tests/corpus/fuzz_NAME (NAME from its own name,
 * replay_NAME) through it once. make check runs these in the ordinary
 * (sanitizer) build, so a target that no longer links, or a seed whose
 * invariant fails, is caught there and not first in CI's clang fuzz
 * step. Exit 0 when all ran, 1 (with the file named) otherwise.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A seed, whole (seeds are small: the corpus is hand-written). */
static int
replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		perror(path);
		return 1;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	int bad = ferror(f) || !feof(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: unreadable or over %zu bytes\n", path,
		    sizeof(buf));
		return 1;
	}
	/* A copy of exactly n bytes, so ASan sees a read past the input. */
	uint8_t *copy = malloc(n > 0 ? n : 1);
	if (copy == NULL)
		return 1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	const char *base = strrchr(argv[0], '/');
	const char *name;
	char dir[4096], path[8192];

	(void)argc;
	base = base != NULL ? base + 1 : argv[0];
	/* libtool-less automake: the program is replay_NAME. */
	if (strncmp(base, "replay_", 7) != 0 || top == NULL) {
		fprintf(stderr, "%s: run as replay_NAME with top_srcdir set"
		    " (make check)\n", base);
		return 99;
	}
	name = base + 7;
	snprintf(dir, sizeof(dir), "%s/tests/corpus/fuzz_%s", top, name);
	DIR *d = opendir(dir);
	if (d == NULL) {
		perror(dir);
		return 99;
	}
	int bad = 0, n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		bad |= replay(path);
		n++;
	}
	closedir(d);
	printf("replay_%s: %d seeds from %s\n", name, n, dir);
	if (n == 0) {
		fprintf(stderr, "replay_%s: no seeds\n", name);
		return 1;
	}
	return bad;
}
