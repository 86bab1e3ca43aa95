/* test-jobs.c — jobs and merge: digest files, redaction, the state
 * machine, history persistence, index JSON. */
#include <sys/file.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "jobs.h"
#include "merge.h"
#include "registry.h"
#include "tap.h"
#include "util.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
	const char	*text;
	const char	*want;		/* NULL: must be refused */
} digest_cases[] = {
	{ "sha256:" D64, "sha256:" D64 },
	{ "  sha256:" D64 "\n", "sha256:" D64 },
	{ "{\"containerimage.digest\":\"sha256:" D64 "\","
	  "\"image.name\":\"r/a:1\"}\n", "sha256:" D64 },
	{ "", NULL },
	{ "\n\n", NULL },
	{ "sha256:" D64 "0", NULL },
	{ "sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	  NULL },
	{ "sha512:" D64, NULL },
	{ "{\"containerimage.digest\":42}", NULL },
	{ "{\"other\":\"sha256:" D64 "\"}", NULL },
	{ "{not json", NULL },
	{ "sha256:" D64 " extra", NULL },
};

static const struct {
	enum job_state	from, to;
	int		ok;
} transitions[] = {
	{ JOB_QUEUED, JOB_RUNNING, 1 },
	{ JOB_QUEUED, JOB_CANCELLED, 1 },
	{ JOB_QUEUED, JOB_INTERRUPTED, 1 },
	{ JOB_RUNNING, JOB_SUCCEEDED, 1 },
	{ JOB_RUNNING, JOB_FAILED, 1 },
	{ JOB_RUNNING, JOB_CANCELLED, 1 },
	{ JOB_RUNNING, JOB_INTERRUPTED, 1 },
	{ JOB_RUNNING, JOB_QUEUED, 0 },
	{ JOB_SUCCEEDED, JOB_FAILED, 0 },
	{ JOB_FAILED, JOB_RUNNING, 0 },
	{ JOB_CANCELLED, JOB_SUCCEEDED, 0 },
	{ JOB_INTERRUPTED, JOB_RUNNING, 0 },
};

/* Digest files: plain and buildx metadata, and what is refused. */
static void
test_digest_file(void)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(digest_cases); i++) {
		char *d = NULL, *cause = NULL;
		int r = jobs_parse_digest(digest_cases[i].text,
		    strlen(digest_cases[i].text), &d, &cause);

		if (digest_cases[i].want != NULL) {
			ok(r == 0, "digest case %zu parses", i);
			is_str(d, digest_cases[i].want, "digest case %zu value", i);
		} else
			ok(r == -1 && cause != NULL && d == NULL,
			    "digest case %zu refused (%s)", i, cause ? cause : "");
		free(d);
		free(cause);
	}
}

/* Secrets are blanked wherever they appear, longest first. */
static void
test_redact(void)
{
	char *secrets[] = { "hunter22", "hunter2234", "abc" };
	char *s;

	s = jobs_redact("token hunter22 and hunter2234!", secrets, 3);
	is_str(s, "token *** and ***!", "redacts every secret");
	free(s);
	s = jobs_redact("abc is too short to be a secret", secrets, 3);
	is_str(s, "abc is too short to be a secret", "short values kept");
	free(s);
	s = jobs_redact("hunter22hunter22", secrets, 1);
	is_str(s, "******", "adjacent occurrences");
	free(s);
}

/* The state machine. */
static void
test_states(void)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(transitions); i++)
		is_int(job_state_transition_ok(transitions[i].from,
		    transitions[i].to), transitions[i].ok, "%s -> %s",
		    job_state_name(transitions[i].from),
		    job_state_name(transitions[i].to));
	for (i = JOB_QUEUED; i <= JOB_INTERRUPTED; i++)
		is_int(job_state_from_name(job_state_name(i)), (long long)i,
		    "state name %s round-trips", job_state_name(i));
	is_int(job_state_from_name("exploded"), -1, "unknown state name");
	ok(!job_state_final(JOB_RUNNING) && job_state_final(JOB_CANCELLED),
	    "final states");
}

/* A history file with live jobs: they load as interrupted. */
static void
test_history(void)
{
	char dir[] = "/tmp/mt-test-jobs-XXXXXX", *path, *cause = NULL, *text;
	const char *hist =
	    "{\"schema\":\"mirrortop.jobs/v1\",\"jobs\":["
	    "{\"id\":7,\"app\":\"a\",\"version\":\"1.2.3\",\"arch\":\"arm64\","
	    "\"state\":\"running\",\"attempt\":1,\"attempts\":3,"
	    "\"created\":100,\"started\":101,\"finished\":0},"
	    "{\"id\":6,\"app\":\"a\",\"version\":\"1.2.3\",\"arch\":\"amd64\","
	    "\"state\":\"succeeded\",\"digest\":\"sha256:" D64 "\","
	    "\"created\":90,\"started\":91,\"finished\":99},"
	    "{\"id\":5,\"app\":\"a\",\"version\":\"1.2.2\",\"arch\":\"amd64\","
	    "\"state\":\"queued\"},"
	    "{\"id\":\"bad\",\"app\":\"a\"},"
	    "{\"id\":4,\"app\":\"a\",\"version\":\"1.0.0\",\"arch\":\"amd64\","
	    "\"state\":\"weird\"}]}";
	struct jobs_params p;
	struct jobs *jobs;
	struct job **list = NULL;
	size_t n = 0, len = 0, i;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	path = xasprintf("%s/jobs.json", dir);
	file_write_atomic(path, hist, strlen(hist), &cause);
	memset(&p, 0, sizeof p);
	p.dir = dir;
	p.max_running = 1;
	jobs = jobs_new(&p, &cause);
	ok(jobs != NULL && cause == NULL, "history loads");
	is_int(jobs_count(jobs), 3, "invalid entries are dropped");
	is_str(job_state_name(jobs_get(jobs, 0)->state), "interrupted",
	    "running job became interrupted");
	is_str(job_state_name(jobs_get(jobs, 2)->state), "interrupted",
	    "queued job became interrupted");
	is_str(job_state_name(jobs_get(jobs, 1)->state), "succeeded",
	    "finished job unchanged");
	ok(jobs_get(jobs, 0)->finished != 0, "interrupted job has an end time");
	is_str(jobs_last_digest(jobs, "a", "1.2.3", "amd64"), "sha256:" D64,
	    "recorded digest");
	ok(jobs_last_digest(jobs, "a", "1.2.3", "arm64") == NULL,
	    "no digest for an interrupted job");
	is_int(jobs_active(jobs), 0, "nothing is active after a restart");
	ok(jobs_get(jobs, 0)->recovered && jobs_get(jobs, 2)->recovered &&
	    !jobs_get(jobs, 1)->recovered, "unfinished jobs marked recovered");
	jobs_free(jobs);

	/* A process that changed nothing wrote nothing (a dry run). */
	ok(file_read(path, 1 << 20, &text, &len) == 0, "history kept");
	ok(len == strlen(hist) && memcmp(text, hist, len) == 0,
	    "history not rewritten by a load alone");
	free(text);

	/* The dump says interrupted and round-trips. */
	jobs = jobs_new(&p, &cause);
	text = jobs_history_dump(jobs);
	len = strlen(text);
	jobs_free(jobs);
	n = 0;
	ok(jobs_history_parse(text, len, &list, &n, &cause) == 0,
	    "dumped history parses");
	is_int(n, 3, "three jobs kept");
	if (n == 3) {
		is_int(list[0]->id, 7, "newest first");
		is_str(job_state_name(list[0]->state), "interrupted",
		    "dumped as interrupted");
	}
	for (i = 0; i < n; i++)
		job_free(list[i]);
	free(list);
	free(text);

	/* A corrupt history is set aside, not lost. */
	file_write_atomic(path, "{nope", 5, &cause);
	jobs = jobs_new(&p, &cause);
	ok(jobs != NULL && cause != NULL && strstr(cause, ".bad") != NULL,
	    "corrupt history reported (%s)", cause ? cause : "");
	free(cause);
	jobs_free(jobs);
	{
		char *bad = xasprintf("%s.bad", path), *logs = xasprintf("%s/logs",
		    dir);
		struct stat st;

		ok(stat(bad, &st) == 0, "corrupt history kept as jobs.json.bad");
		unlink(bad);
		unlink(path);
		rmdir(logs);
		free(bad);
		free(logs);
	}
	rmdir(dir);
	free(path);
}

/* Index JSON: deterministic bytes, media type chosen by the children. */
static void
test_index(void)
{
	struct merge_child c[2] = {
		{ MT_MEDIA_OCI_MANIFEST, "sha256:" D64, 528, "linux", "amd64",
		  NULL },
		{ MT_MEDIA_OCI_MANIFEST, "sha256:" D64, 529, "linux", "arm",
		  "v7" },
	};
	const char *mt;
	char *s, *s2;

	s = merge_build_index(c, 2, &mt);
	is_str(mt, MT_MEDIA_OCI_INDEX, "OCI children make an OCI index");
	is_str(s, "{\"schemaVersion\":2,\"mediaType\":"
	    "\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"sha256:" D64 "\",\"size\":528,\"platform\":"
	    "{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"sha256:" D64 "\",\"size\":529,\"platform\":"
	    "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}",
	    "exact index bytes");
	s2 = merge_build_index(c, 2, &mt);
	is_str(s2, s, "same input, same bytes");
	free(s);
	free(s2);

	c[0].media_type = c[1].media_type = MT_MEDIA_DOCKER_MANIFEST;
	s = merge_build_index(c, 2, &mt);
	is_str(mt, MT_MEDIA_DOCKER_LIST, "Docker children make a manifest list");
	ok(strstr(s, MT_MEDIA_DOCKER_LIST) != NULL, "list media type in body");
	free(s);
	c[1].media_type = MT_MEDIA_OCI_MANIFEST;
	s = merge_build_index(c, 2, &mt);
	is_str(mt, MT_MEDIA_OCI_INDEX, "mixed children make an OCI index");
	free(s);

	ok(merge_arch_match("arm64", NULL, "arm64"), "arm64 matches");
	ok(merge_arch_match("arm", "v7", "arm/v7"), "arm/v7 matches");
	ok(!merge_arch_match("arm", "v6", "arm/v7"), "arm/v6 is not arm/v7");
	ok(!merge_arch_match("arm64", NULL, "arm"), "arm64 is not arm");
	ok(!merge_arch_match("amd64", NULL, "amd"), "no prefix match");
	ok(!merge_arch_match(NULL, NULL, "amd64"), "no architecture");
}

/* argv rendering for confirm dialogs. */
static void
test_argv_line(void)
{
	char *argv[] = { "docker", "build", "--tag", "r/a:1 2", "it's", "",
	    NULL };
	char *s = jobs_argv_line(argv);

	is_str(s, "docker build --tag 'r/a:1 2' 'it'\\''s' ''",
	    "argv quoted for reading");
	free(s);
}

/* Hold the job lock of a/1.2.3/ARCH with text inside, as a live process. */
static int
hold_lock(const char *dir, const char *arch, const char *text)
{
	char *locks = xasprintf("%s/locks", dir);
	char *path = xasprintf("%s/a-1.2.3-%s.lock", locks, arch);
	int fd;

	mkdir_p(locks, 0700);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd != -1) {
		flock(fd, LOCK_EX);
		(void)!write(fd, text, strlen(text));
	}
	free(path);
	free(locks);
	return fd;
}

/* Jobs of a live process stay as they are; a stale lock does not count. */
static void
test_history_live(void)
{
	char dir[] = "/tmp/mt-test-jobs-XXXXXX", *path, *cause = NULL, *cmd;
	const char *hist =
	    "{\"schema\":\"mirrortop.jobs/v1\",\"next_id\":12,\"jobs\":["
	    "{\"id\":9,\"app\":\"a\",\"version\":\"1.2.3\",\"arch\":\"arm64\","
	    "\"state\":\"running\",\"attempt\":1,\"attempts\":3},"
	    "{\"id\":8,\"app\":\"a\",\"version\":\"1.2.3\",\"arch\":\"amd64\","
	    "\"state\":\"running\",\"attempt\":1,\"attempts\":3},"
	    "{\"id\":7,\"app\":\"a\",\"version\":\"1.2.3\",\"arch\":\"riscv64\","
	    "\"state\":\"queued\"}]}";
	struct jobs_params p;
	struct jobs *jobs;
	int fd1, fd2;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	path = xasprintf("%s/jobs.json", dir);
	file_write_atomic(path, hist, strlen(hist), &cause);
	/* arm64: held and naming job 9; amd64: held by a newer job 10. */
	fd1 = hold_lock(dir, "arm64", "9\n");
	fd2 = hold_lock(dir, "amd64", "10\n");
	memset(&p, 0, sizeof p);
	p.dir = dir;
	p.max_running = 1;
	jobs = jobs_new(&p, &cause);
	ok(jobs != NULL && cause == NULL, "history loads");
	is_str(job_state_name(jobs_find(jobs, 9)->state), "running",
	    "a job whose lock is held under its id stays running");
	ok(!jobs_find(jobs, 9)->recovered, "and is not recovered");
	is_str(job_state_name(jobs_find(jobs, 8)->state), "interrupted",
	    "a lock held by another job does not keep a job alive");
	is_str(job_state_name(jobs_find(jobs, 7)->state), "interrupted",
	    "a job without a lock holder is interrupted");
	is_int(jobs_active(jobs), 0, "other processes' jobs are not ours");
	ok(jobs_busy_elsewhere(jobs, "a", NULL, "1.2.3", "arm64"),
	    "arm64 is busy in another process");
	ok(!jobs_busy_elsewhere(jobs, "a", NULL, "1.2.3", "riscv64"),
	    "riscv64 is not");
	jobs_free(jobs);
	close(fd1);
	close(fd2);
	/* Released: now it is gone. */
	jobs = jobs_new(&p, &cause);
	is_str(job_state_name(jobs_find(jobs, 9)->state), "interrupted",
	    "the same job once its lock is free");
	jobs_free(jobs);
	cmd = xasprintf("rm -rf '%s'", dir);
	(void)!system(cmd);
	free(cmd);
	free(path);
}

int
main(void)
{
	test_digest_file();
	test_redact();
	test_states();
	test_history();
	test_history_live();
	test_index();
	test_argv_line();
	return tap_done();
}
