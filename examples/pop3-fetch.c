/*
 * pop3-fetch - list a POP3 mailbox, or download it into a Maildir
 * without ever losing a message.
 *
 *   pop3-fetch --url pop3[s]://[user@]host[:port] [--user NAME]
 *              [--password-file FILE] [--auth MECH] [--cafile FILE]
 *              [--plaintext] [--timeout SEC] [--trace]
 *              [--call-timeout SEC]
 *              (--list | --maildir DIR [--delete] [--state FILE])
 *
 * --list prints "NUMBER SIZE UIDL" per message on stdout (just "NUMBER
 * SIZE" if the server has no UIDL) and nothing else.
 *
 * --maildir downloads every message whose UIDL is not yet known into
 * DIR/new, and prints "fetched N deleted M" on stdout at the end
 * (diagnostics go to stderr). The order of operations is what makes it
 * safe to kill at any moment or to lose the connection:
 *   1. RETR into DIR/tmp/NAME (O_EXCL), fsync, close; a message that
 *      did not end with its final "." is unlinked, never kept;
 *   2. rename to DIR/new/NAME, fsync DIR/new. NAME carries a hash of
 *      the account (",A=<8 hex>": user and host) and the UIDL,
 *      hex-encoded (",U=<hex>"): UIDLs are opaque bytes chosen by the
 *      server and are never used as a path;
 *   3. the state file (default DIR/.pop3-state: one UIDL per line) is
 *      rewritten atomically (temporary file, fsync, rename, fsync of its
 *      directory) every STATE_BATCH messages and at the end;
 *   4. with --delete, DELE is sent only for messages recorded in a state
 *      file that has reached the disk (step 3), and deletions happen only
 *      when the server answers +OK to QUIT.
 * A message that cannot be written (disk full, quota, file size limit)
 * is unlinked and the run stops with exit status 2. A message that runs
 * past twice its LIST size plus 1 MiB (SIZE_SLACK: LIST sizes are exact,
 * RFC 1939 5, but some servers only estimate them) is a server fault:
 * unlinked too, exit status 4. Either way the session reads the rest of
 * that message only up to LM_POP3_DRAIN_MAX bytes (net.h), so a huge or
 * endless one ends the run at once: the connection is then closed
 * without QUIT and no deletion of this run is committed.
 * A rerun treats as known every UIDL of the state file and every UIDL
 * found in the names of DIR/new and DIR/cur, so a message saved by a run
 * that died before step 3 is not fetched twice (and, with --delete, is
 * deleted from the server then). Leftovers of a killed run in DIR/tmp
 * are never delivered (and are removed by the next run). An fcntl lock
 * on STATE.lock keeps a second pop3-fetch off the same Maildir.
 *
 * Exit status: 0 ok; 1 refused by the server (login, UIDL missing, a
 * message refused, QUIT answered -ERR); 2 usage or local error (disk);
 * 3 security (TLS, certificate, STLS missing, plaintext refused);
 * 4 the server broke the protocol; 5 network or timeout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "libmail.h"

#define CLI_PROG "pop3-fetch"
#include "cli.h"

#define UID_MAX 70
#define STATE_BATCH 200
#define MAX_MSGS 10000000ul
/* a message may run to 2 * its LIST size + SIZE_SLACK bytes */
#define SIZE_SLACK (1024ul * 1024ul)

static const char usage_text[] =
"usage: pop3-fetch --url pop3[s]://[user@]host[:port] [--user NAME]\n"
"                  [--password-file FILE] [--auth MECH] [--cafile FILE]\n"
"                  [--plaintext] [--timeout SEC] [--trace]\n"
"                  [--call-timeout SEC]\n"
"                  (--list | --maildir DIR [--delete] [--state FILE])\n"
"\n"
"  --url URL            pop3://host[:port] (STLS required, port 110) or\n"
"                       pop3s://host[:port] (implicit TLS, port 995)\n"
"  --user NAME          login name (also from the URL)\n"
"  --password-file FILE password: first line of FILE; else $LIBMAIL_PASSWORD\n"
"  --auth MECH          only this SASL mechanism (e.g. SCRAM-SHA-256, PLAIN),\n"
"                       or USER (USER/PASS only), or APOP (APOP only)\n"
"  --cafile FILE        trusted CAs (PEM); default: the system store\n"
"  --plaintext          talk pop3:// without TLS (no STLS is tried) and\n"
"                       allow credentials in clear; never implied\n"
"  --timeout SEC        per network operation (default 60)\n"
"  --call-timeout SEC   limit of each whole library call: connect, then\n"
"                       each command (default: none; connect 300)\n"
"  --trace              write the dialogue to stderr (C:/S:, secrets redacted)\n"
"  --list               print \"NUMBER SIZE UIDL\" per message on stdout\n"
"  --maildir DIR        download new messages into the Maildir DIR (created\n"
"                       if missing); prints \"fetched N deleted M\" on stdout\n"
"  --delete             delete downloaded messages from the server (only once\n"
"                       each is safely on disk and recorded)\n"
"  --state FILE         UIDLs already downloaded (default DIR/.pop3-state)\n"
"\n"
"exit status: 0 ok, 1 refused by the server, 2 usage or local error,\n"
"             3 security, 4 protocol violation by the server,\n"
"             5 network or timeout\n";

/* ---- small helpers ---------------------------------------------------- */

static int
valid_uid(const char *u, size_t n)
{
	size_t i;

	if (n == 0 || n > UID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] < 0x21 || (unsigned char)u[i] > 0x7e)
			return 0;
	return 1;
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* ---- a set of UIDLs (open addressing) ---------------------------------- */

typedef struct {
	char **slot;
	size_t cap, n;
} uidset;

static size_t
hash_uid(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int
uidset_has(const uidset *u, const char *s)
{
	size_t i;

	if (u->cap == 0)
		return 0;
	for (i = hash_uid(s) & (u->cap - 1); u->slot[i] != NULL;
	     i = (i + 1) & (u->cap - 1))
		if (strcmp(u->slot[i], s) == 0)
			return 1;
	return 0;
}

/* 1 added, 0 already there, -1 out of memory */
static int
uidset_add(uidset *u, const char *s)
{
	size_t i;

	if (uidset_has(u, s))
		return 0;
	if ((u->n + 1) * 2 > u->cap) {
		size_t nc = u->cap ? u->cap * 2 : 1024, j;
		char **ns = calloc(nc, sizeof *ns);
		if (ns == NULL)
			return -1;
		for (j = 0; j < u->cap; j++) {
			if (u->slot[j] == NULL)
				continue;
			for (i = hash_uid(u->slot[j]) & (nc - 1); ns[i] != NULL;
			     i = (i + 1) & (nc - 1))
				;
			ns[i] = u->slot[j];
		}
		free(u->slot);
		u->slot = ns;
		u->cap = nc;
	}
	for (i = hash_uid(s) & (u->cap - 1); u->slot[i] != NULL;
	     i = (i + 1) & (u->cap - 1))
		;
	u->slot[i] = strdup(s);
	if (u->slot[i] == NULL)
		return -1;
	u->n++;
	return 1;
}

static void
uidset_free(uidset *u)
{
	size_t i;

	for (i = 0; i < u->cap; i++)
		free(u->slot[i]);
	free(u->slot);
	u->slot = NULL;
	u->cap = u->n = 0;
}

/* ---- the server's listing ------------------------------------------------ */

typedef struct {
	uint64_t size;
	int have_size, have_uid, dup;
	char uid[UID_MAX + 1];
} msginfo;

typedef struct {
	msginfo *m;          /* index = message number - 1 */
	unsigned long n;     /* STAT count */
	int bad;             /* the server listed a number out of range */
} listing;

static int
on_list(void *ud, unsigned long msg, uint64_t size)
{
	listing *l = ud;

	/* RFC 1939 5: one scan listing per message */
	if (msg == 0 || msg > l->n || l->m[msg - 1].have_size) {
		l->bad = 1;
		return LM_ERR_PROTOCOL;
	}
	l->m[msg - 1].size = size;
	l->m[msg - 1].have_size = 1;
	return 0;
}

static int
on_uidl(void *ud, unsigned long msg, const char *uid, size_t len)
{
	listing *l = ud;

	/* RFC 1939 7: one unique-id listing per message */
	if (msg == 0 || msg > l->n || l->m[msg - 1].have_uid ||
	    !valid_uid(uid, len)) {
		l->bad = 1;
		return LM_ERR_PROTOCOL;
	}
	memcpy(l->m[msg - 1].uid, uid, len);
	l->m[msg - 1].uid[len] = '\0';
	l->m[msg - 1].have_uid = 1;
	return 0;
}

/* ---- the Maildir ------------------------------------------------------- */

typedef struct {
	const char *dir;
	char *state;         /* state file path */
	char host[256];      /* sanitized host name for file names */
	char tag[24];        /* ",A=<account hash>,U=" */
	unsigned long seq;
	uidset known;        /* state file + UIDLs found in new/ and cur/ */
	int lockfd;          /* STATE.lock, locked with fcntl, or -1 */
	int fd;              /* file being written, or -1 */
	int werr;            /* errno of a failed write */
	uint64_t got;        /* bytes of the message written so far */
	uint64_t cap;        /* most bytes expected (from LIST), 0: none */
	int over;            /* the message ran past cap */
} maildir;

static char *
path2(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

static int
mkdir_p1(const char *p)
{
	if (mkdir(p, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

static int
maildir_create(maildir *md)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	size_t i;

	if (mkdir_p1(md->dir) < 0) {
		cli_err("%s: %s", md->dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < 3; i++) {
		char *p = path2(md->dir, sub[i]);
		if (p == NULL || mkdir_p1(p) < 0) {
			cli_err("%s/%s: %s", md->dir, sub[i], strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A UIDL from a file name "...,A=<account>,U=<hex>[,...][:2,...]" of
 * this account (tag ",A=<account>,U="), or 0. */
static int
uid_from_name(const char *name, const char *tag, char *out)
{
	const char *p = strstr(name, tag);
	size_t n = 0;

	if (p == NULL)
		return 0;
	p += strlen(tag);
	while (hexval((unsigned char)p[0]) >= 0 && hexval((unsigned char)p[1]) >= 0) {
		if (n == UID_MAX)
			return 0;
		out[n++] = (char)(hexval((unsigned char)p[0]) * 16 +
		                  hexval((unsigned char)p[1]));
		p += 2;
	}
	if (*p != '\0' && *p != ',' && *p != ':')
		return 0;
	out[n] = '\0';
	return valid_uid(out, n);
}

/*
 * One pop3-fetch per Maildir and state at a time: two would fetch the
 * same new message twice. An fcntl() lock on STATE.lock; the kernel
 * drops it when the process dies, even by SIGKILL.
 */
static int
maildir_lock(maildir *md)
{
	size_t n = strlen(md->state) + 8;
	char *p = malloc(n);
	struct flock fl;

	if (p == NULL)
		return -1;
	snprintf(p, n, "%s.lock", md->state);
	/* O_NOFOLLOW: a symlink planted at STATE.lock (a shared --state
	 * directory) must not make the run create or lock another file */
	md->lockfd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (md->lockfd < 0) {
		cli_err("%s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(md->lockfd, F_SETLK, &fl) != 0) {
		cli_err("%s is locked: another pop3-fetch is using this "
		        "Maildir", p);
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

/* Remove what an earlier run (killed while writing) left in tmp/: our
 * own names only (",U="), and only under the lock. */
static void
maildir_clean_tmp(const maildir *md)
{
	char *p = path2(md->dir, "tmp");
	DIR *d;
	struct dirent *e;

	if (p == NULL)
		return;
	d = opendir(p);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			char uid[UID_MAX + 1];
			if (uid_from_name(e->d_name, md->tag, uid)) {
				char *f = path2(p, e->d_name);
				if (f != NULL)
					unlink(f);
				free(f);
			}
		}
		closedir(d);
	}
	free(p);
}

/* Add the UIDLs named in new/ and cur/. Returns how many were new to
 * the set, or -1. */
static long
maildir_scan(maildir *md)
{
	static const char *const sub[] = { "new", "cur" };
	long added = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		char *p = path2(md->dir, sub[i]);
		DIR *d;
		struct dirent *e;
		if (p == NULL)
			return -1;
		d = opendir(p);
		if (d == NULL) {
			cli_err("%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		while ((e = readdir(d)) != NULL) {
			char uid[UID_MAX + 1];
			if (uid_from_name(e->d_name, md->tag, uid)) {
				int r = uidset_add(&md->known, uid);
				if (r < 0) {
					closedir(d);
					free(p);
					return -1;
				}
				added += r;
			}
		}
		closedir(d);
		free(p);
	}
	return added;
}

static int
state_load(maildir *md)
{
	FILE *f = fopen(md->state, "r");
	char line[256];

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		cli_err("%s: %s", md->state, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (line[0] == '#' || n == 0)
			continue;
		if (!valid_uid(line, n)) {
			cli_err("%s: ignoring a malformed line", md->state);
			continue;
		}
		if (uidset_add(&md->known, line) < 0) {
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		cli_err("%s: read error", md->state);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/*
 * Rewrite the state atomically: the UIDLs of the server's listing that
 * are known (so the file does not grow forever; UIDLs no longer on the
 * server never come back, RFC 1939 7).
 */
static int
state_save(maildir *md, const listing *l)
{
	size_t n = strlen(md->state) + 16;
	char *tmp = malloc(n), *dir, *slash;
	FILE *f;
	unsigned long i;
	int fd, ok = 1;

	if (tmp == NULL)
		return -1;
	/* a fresh name, created O_EXCL (mode 0600): a name that can be
	 * guessed (STATE.tmp<pid>) and opened O_TRUNC lets whoever can
	 * write to the state's directory plant a symlink there, and the
	 * file it points to would be truncated and then renamed over */
	snprintf(tmp, n, "%s.tmpXXXXXX", md->state);
	fd = mkstemp(tmp);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		cli_err("%s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	fputs("# pop3-fetch state 1: UIDLs already downloaded\n", f);
	for (i = 0; i < l->n; i++)
		if (l->m[i].have_uid && uidset_has(&md->known, l->m[i].uid))
			fprintf(f, "%s\n", l->m[i].uid);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, md->state) != 0) {
		cli_err("writing %s: %s", md->state, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	dir = strdup(md->state);
	if (dir == NULL)
		return -1;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (fsync_dir(dir) != 0) {
		cli_err("fsync %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

static int
on_data(void *ud, const unsigned char *p, size_t n)
{
	maildir *md = ud;

	md->got += n;
	if (md->cap != 0 && md->got > md->cap) {
		md->over = 1;
		return LM_ERR_PROTOCOL;
	}
	if (write_all(md->fd, p, n) < 0) {
		md->werr = errno;
		return LM_ERR_CALLBACK;
	}
	return 0;
}

/*
 * RETR msg into tmp/, then new/. Returns 0 when the message is safely in
 * new/ (file and directory fsynced), else the session's error code or
 * LM_ERR_CALLBACK (local failure, described).
 */
static int
fetch_one(lm_pop3_session *s, maildir *md, unsigned long msg, const char *uid,
          const msginfo *mi)
{
	char name[512], hex[2 * UID_MAX + 1];
	char *tp, *np, *newdir;
	struct timeval tv;
	size_t i;
	int r;

	for (i = 0; uid[i] != '\0'; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	hex[2 * i] = '\0';
	gettimeofday(&tv, NULL);
	snprintf(name, sizeof name, "%lld.M%ldP%ldQ%lu.%s%s%s",
	         (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	         ++md->seq, md->host, md->tag, hex);
	tp = malloc(strlen(md->dir) + strlen(name) + 8);
	np = malloc(strlen(md->dir) + strlen(name) + 8);
	newdir = path2(md->dir, "new");
	if (tp == NULL || np == NULL || newdir == NULL) {
		free(tp);
		free(np);
		free(newdir);
		cli_err("out of memory");
		return LM_ERR_NOMEM;
	}
	sprintf(tp, "%s/tmp/%s", md->dir, name);
	sprintf(np, "%s/new/%s", md->dir, name);
	md->fd = open(tp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (md->fd < 0) {
		cli_err("%s: %s", tp, strerror(errno));
		r = LM_ERR_CALLBACK;
		goto out;
	}
	md->werr = 0;
	md->got = 0;
	md->over = 0;
	md->cap = 0;
	if (mi->have_size && mi->size <= (UINT64_MAX - SIZE_SLACK) / 2)
		md->cap = 2 * mi->size + SIZE_SLACK;
	r = lm_pop3_session_retr(s, msg, on_data, md);
	if (r == 0 && fsync(md->fd) != 0) {
		md->werr = errno;
		r = LM_ERR_CALLBACK;
	}
	if (close(md->fd) != 0 && r == 0) {
		md->werr = errno;
		r = LM_ERR_CALLBACK;
	}
	md->fd = -1;
	if (r < 0) {
		/* never keep a partial message */
		unlink(tp);
		if (r == LM_ERR_CALLBACK)
			cli_err("writing %s: %s", tp, strerror(md->werr));
		if (md->over)
			cli_err("message %lu: the server sent more than "
			        "%llu bytes for a message it listed as %llu",
			        msg, (unsigned long long)md->cap,
			        (unsigned long long)mi->size);
		goto out;
	}
	if (rename(tp, np) != 0) {
		cli_err("rename to %s: %s", np, strerror(errno));
		unlink(tp);
		r = LM_ERR_CALLBACK;
		goto out;
	}
	if (fsync_dir(newdir) != 0) {
		cli_err("fsync %s: %s", newdir, strerror(errno));
		r = LM_ERR_CALLBACK;
		goto out;
	}
	r = 0;
out:
	free(tp);
	free(np);
	free(newdir);
	return r;
}

/* ---- main ----------------------------------------------------------------- */

/* Connect and read STAT, LIST and UIDL into l. need_uid: UIDL required. */
static int
scan_server(lm_pop3_session *s, listing *l, int need_uid)
{
	int r;

	r = lm_pop3_session_stat(s, &l->n, NULL);
	if (r < 0)
		return r;
	if (l->n > MAX_MSGS) {
		cli_err("%lu messages: too many", l->n);
		return LM_ERR_LIMIT;
	}
	l->m = calloc(l->n ? l->n : 1, sizeof *l->m);
	if (l->m == NULL)
		return LM_ERR_NOMEM;
	r = lm_pop3_session_list(s, 0, on_list, l);
	if (r < 0)
		return r;
	r = lm_pop3_session_uidl(s, 0, on_uidl, l);
	if (r == LM_ERR_REFUSED && !need_uid)
		return 0;
	if (r == LM_ERR_REFUSED)
		cli_err("the server has no UIDL; without it messages "
		        "cannot be told apart across sessions");
	return r;
}

int
main(int argc, char **argv)
{
	cli_conn cn = CLI_CONN_INIT;
	const char *mdir = NULL, *state = NULL;
	int list = 0, del = 0;
	unsigned long i, fetched = 0, marked = 0, refused = 0;
	char *password = NULL;
	lm_pop3_session_opts so = LM_POP3_SESSION_OPTS_INIT;
	lm_pop3_session *s = NULL;
	listing l = { NULL, 0, 0 };
	lm_url u;
	maildir md;
	unsigned long *pend = NULL;   /* fetched, not yet in a synced state */
	unsigned long npend = 0;
	int r, rc = 0, ai;

	signal(SIGPIPE, SIG_IGN);
	/* past a file size limit, write() fails with EFBIG (reported, exit
	 * 2) instead of the signal killing us */
#ifdef SIGXFSZ
	signal(SIGXFSZ, SIG_IGN);
#endif
	memset(&md, 0, sizeof md);
	md.fd = -1;
	md.lockfd = -1;

	for (ai = 1; ai < argc; ai++) {
		const char *a = argv[ai];
		const char *v = (ai + 1 < argc) ? argv[ai + 1] : NULL;
		int took = cli_conn_arg(&cn, argc, argv, &ai);
		if (took != 0) {
			if (took == 1)
				continue;
			return took;
		}
#define NEEDV() do { if (v == NULL) return cli_usage("missing value for", a); ai++; } while (0)
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(a, "--maildir") == 0) {
			NEEDV(); mdir = v;
		} else if (strcmp(a, "--state") == 0) {
			NEEDV(); state = v;
		} else if (strcmp(a, "--list") == 0) {
			list = 1;
		} else if (strcmp(a, "--delete") == 0) {
			del = 1;
		} else {
			return cli_usage("unknown option", a);
		}
#undef NEEDV
	}
	if (cn.url == NULL)
		return cli_usage("--url is required", NULL);
	if (list == (mdir != NULL))
		return cli_usage("exactly one of --list and --maildir is required", NULL);
	if (list && (del || state != NULL))
		return cli_usage("--delete and --state go with --maildir", NULL);
	{
		r = lm_url_parse(&u, cn.url);
		if (r < 0 || (u.scheme != LM_URL_POP3 && u.scheme != LM_URL_POP3S)) {
			return cli_bad_url(cn.url, r < 0 ? lm_strerror(r) :
			                   "not pop3:// or pop3s://");
		}
		if (cn.user == NULL && u.user[0] == '\0')
			return cli_usage("a user is required (--user or user@ in the URL)",
			             NULL);
	}
	if (cn.auth != NULL) {
		if (strcmp(cn.auth, "USER") == 0 || strcmp(cn.auth, "user") == 0) {
			so.login = LM_POP3_LOGIN_USER;
		} else if (strcmp(cn.auth, "APOP") == 0 || strcmp(cn.auth, "apop") == 0) {
			so.login = LM_POP3_LOGIN_APOP;
		} else {
			so.auth_mech = (unsigned)lm_sasl_mech_from_name(cn.auth, strlen(cn.auth));
			if (so.auth_mech == 0)
				return cli_usage("unknown --auth mechanism", cn.auth);
		}
	}
	if (cli_read_password(cn.pw_file, &password) < 0)
		return 2;
	if (password == NULL) {
		cli_err("no password: use --password-file or LIBMAIL_PASSWORD");
		return 2;
	}

	if (mdir != NULL) {
		char hn[200];
		size_t k, j = 0;
		md.dir = mdir;
		md.state = state != NULL ? strdup(state) : path2(mdir, ".pop3-state");
		if (md.state == NULL) {
			rc = 2;
			goto done;
		}
		if (gethostname(hn, sizeof hn) != 0)
			strcpy(hn, "localhost");
		hn[sizeof hn - 1] = '\0';
		/* Maildir: "/" and ":" in the host part are written octal;
		 * "," too, as it separates our ",U=" field */
		for (k = 0; hn[k] != '\0' && j + 5 < sizeof md.host; k++) {
			unsigned char ch = (unsigned char)hn[k];
			if (ch == '/' || ch == ':' || ch == ',' || ch < 0x21 || ch > 0x7e)
				j += (size_t)snprintf(md.host + j, sizeof md.host - j,
				                      "\\%03o", ch);
			else
				md.host[j++] = (char)ch;
		}
		md.host[j] = '\0';
		{
			/* UIDLs are unique per mailbox only: the names carry a hash
			 * of the account, so one Maildir can serve several */
			char acct[LM_URL_USER_MAX + LM_URL_HOST_MAX + 16];
			/* not the port: pop3:// and pop3s:// reach one mailbox */
			snprintf(acct, sizeof acct, "%s@%s",
			         cn.user != NULL ? cn.user : u.user, u.host);
			snprintf(md.tag, sizeof md.tag, ",A=%08lx,U=",
			         (unsigned long)(hash_uid(acct) & 0xffffffffu));
		}
		if (maildir_create(&md) < 0 || maildir_lock(&md) < 0 ||
		    state_load(&md) < 0 || maildir_scan(&md) < 0) {
			rc = 2;
			goto done;
		}
		maildir_clean_tmp(&md);
	}

	so.url = cn.url;
	so.user = cn.user;
	so.password = password;
	so.cafile = cn.cafile;
	so.plaintext = cn.plaintext;
	so.timeout_ms = (unsigned)cn.timeout_s * 1000u;
	so.call_timeout_ms = (unsigned)cn.call_s * 1000u;
	if (cn.trace)
		so.trace = cli_trace;
	r = lm_pop3_session_new(&s, &so);
	if (r < 0) {
		rc = cli_bad_url(cn.url, lm_strerror(r));
		goto done;
	}
	r = lm_pop3_session_connect(s);
	if (r == 0)
		r = scan_server(s, &l, mdir != NULL);
	if (r < 0) {
		if (r == LM_ERR_NOMEM)
			cli_err("out of memory");
		else if (l.bad)
			cli_err("the server listed a message number "
			        "that is out of range or listed twice, or a UIDL "
			        "that is not valid");
		else
			cli_err("%s", lm_pop3_session_error(s));
		rc = l.bad ? 4 : cli_exit_code(r);
		goto done;
	}

	if (list) {
		for (i = 0; i < l.n; i++) {
			if (!l.m[i].have_size)
				continue; /* deleted in another session's view */
			if (l.m[i].have_uid)
				printf("%lu %llu %s\n", i + 1,
				       (unsigned long long)l.m[i].size, l.m[i].uid);
			else
				printf("%lu %llu\n", i + 1,
				       (unsigned long long)l.m[i].size);
		}
		if (fflush(stdout) != 0) {
			rc = 2;
			goto done;
		}
		(void)lm_pop3_session_quit(s);
		goto done;
	}

	/* --maildir */
	pend = calloc(l.n ? l.n : 1, sizeof *pend);
	if (pend == NULL) {
		rc = 2;
		goto done;
	}
	{
		/* a UIDL listed twice names two messages we cannot tell apart:
		 * fetch neither, delete neither */
		uidset seen = { NULL, 0, 0 };
		for (i = 0; i < l.n; i++) {
			int a;
			if (!l.m[i].have_uid)
				continue;
			a = uidset_add(&seen, l.m[i].uid);
			if (a < 0) {
				uidset_free(&seen);
				rc = 2;
				goto done;
			}
			if (a == 0) {
				unsigned long j;
				for (j = 0; j < l.n; j++)
					if (l.m[j].have_uid &&
					    strcmp(l.m[j].uid, l.m[i].uid) == 0)
						l.m[j].dup = 1;
			}
		}
		uidset_free(&seen);
	}
	/* what a previous run saved (state or Maildir names): record it on
	 * disk first, then (with --delete) it may be deleted */
	if (state_save(&md, &l) < 0) {
		rc = 2;
		goto done;
	}
	for (i = 0; i < l.n; i++) {
		if (!l.m[i].have_uid)
			continue;
		if (l.m[i].dup) {
			cli_err("message %lu: UIDL %s is listed more than "
			        "once; left on the server", i + 1, l.m[i].uid);
			continue;
		}
		if (!uidset_has(&md.known, l.m[i].uid))
			continue;
		if (del) {
			r = lm_pop3_session_dele(s, i + 1);
			if (r == LM_ERR_REFUSED) {
				refused++;
				continue;
			}
			if (r < 0)
				goto neterr;
			marked++;
		}
	}
	for (i = 0; i < l.n; i++) {
		if (!l.m[i].have_uid || l.m[i].dup ||
		    uidset_has(&md.known, l.m[i].uid))
			continue;
		r = fetch_one(s, &md, i + 1, l.m[i].uid, &l.m[i]);
		if (r == LM_ERR_REFUSED) {
			cli_err("message %lu: %s", i + 1, lm_pop3_session_error(s));
			refused++;
			continue;
		}
		if (r == LM_ERR_CALLBACK || r == LM_ERR_NOMEM) {
			rc = 2;
			break;
		}
		if (r < 0)
			goto neterr;
		if (uidset_add(&md.known, l.m[i].uid) < 0) {
			rc = 2;
			break;
		}
		fetched++;
		pend[npend++] = i + 1;
		if (npend >= STATE_BATCH || i + 1 == l.n) {
			unsigned long k;
			if (state_save(&md, &l) < 0) {
				rc = 2;
				break;
			}
			for (k = 0; del && k < npend; k++) {
				r = lm_pop3_session_dele(s, pend[k]);
				if (r == LM_ERR_REFUSED) {
					refused++;
					continue;
				}
				if (r < 0)
					goto neterr;
				marked++;
			}
			npend = 0;
		}
	}
	if (npend > 0) {
		unsigned long k;
		if (state_save(&md, &l) < 0) {
			rc = 2;
		} else {
			for (k = 0; del && rc == 0 && k < npend; k++) {
				r = lm_pop3_session_dele(s, pend[k]);
				if (r == LM_ERR_REFUSED) {
					refused++;
					continue;
				}
				if (r < 0)
					goto neterr;
				marked++;
			}
		}
		npend = 0;
	}
	/* the commit point: deletions happen only on +OK to QUIT */
	r = lm_pop3_session_quit(s);
	if (r < 0) {
		cli_err("%s", lm_pop3_session_error(s));
		printf("fetched %lu deleted 0\n", fetched);
		if (rc == 0)
			rc = cli_exit_code(r);
		goto done;
	}
	printf("fetched %lu deleted %lu\n", fetched, marked);
	if (rc == 0 && refused > 0)
		rc = 1;
	goto done;

neterr:
	cli_err("%s", lm_pop3_session_error(s));
	/* what is in new/ stays (and is found by name on the next run);
	 * record it now too, best effort */
	(void)state_save(&md, &l);
	printf("fetched %lu deleted 0\n", fetched);
	rc = cli_exit_code(r);

done:
	if (md.fd >= 0)
		close(md.fd);
	if (md.lockfd >= 0)
		close(md.lockfd);
	lm_pop3_session_free(s);
	free(l.m);
	free(pend);
	uidset_free(&md.known);
	free(md.state);
	if (password != NULL) {
		lm_zeroize(password, strlen(password));
		free(password);
	}
	return rc;
}
