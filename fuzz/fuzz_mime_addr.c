/*
 * RFC 5322 address lists: the iterator over arbitrary input.
 *
 * Input: byte 0 picks the flags (IDN_UNICODE, EMPTY_GROUPS) and a small
 * scratch size; the rest is the header value.
 *   - with 16 * n + 1024 bytes of scratch no mailbox is too big;
 *   - every slice is valid UTF-8 and lies in the input or the scratch;
 *     names hold no CR or LF; addresses no control character at all
 *     (NUL, CR, LF, ...); an address is empty only for an empty
 *     group; the iteration ends after at most n + 1 entries;
 *   - with a small scratch: the same mailboxes in order, minus those
 *     reported as LM_ERR_BUFFER_TOO_SMALL.
 */
#include <string.h>

#include "libmail/mime.h"
#include "fuzz.h"
#include "mime_bounds.h"
#include "utf8.h"

static void
check_slice(lm_slice s, const uint8_t *in, size_t n, const unsigned char *sc,
            size_t cap)
{
	FZ_CHECK(s.p != NULL, "slices are never NULL");
	FZ_CHECK(s.len == 0 || (s.p >= in && s.p + s.len <= in + n) ||
	         (s.p >= sc && s.p + s.len <= sc + cap), "slice in input or scratch");
	FZ_CHECK(fz_utf8_valid(s.p, s.len, 1), "slice is UTF-8");
}

/* Append the name and the address to log, each as a length (size_t)
 * and its bytes (not the group: a small scratch may have had to drop a
 * long group name). */
static size_t
log_addr(unsigned char *log, size_t len, const lm_mime_addr *a)
{
	memcpy(log + len, &a->name.len, sizeof(size_t));
	len += sizeof(size_t);
	memcpy(log + len, a->name.p, a->name.len);
	len += a->name.len;
	memcpy(log + len, &a->address.len, sizeof(size_t));
	len += sizeof(size_t);
	memcpy(log + len, a->address.p, a->address.len);
	len += a->address.len;
	return len;
}

/* Entry at *pos of a log; advances. */
static const unsigned char *
log_entry(const unsigned char *log, size_t len, size_t *pos, size_t *elen)
{
	size_t s = *pos, k, l;

	for (k = 0; k < 2 && *pos < len; k++) {
		memcpy(&l, log + *pos, sizeof l);
		*pos += sizeof l + l;
	}
	*elen = *pos - s;
	return log + s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lm_mime_addr_iter it, it2;
	lm_mime_addr a;
	unsigned flags;
	const uint8_t *in;
	unsigned char *sc = NULL, *sc2 = NULL, *log1 = NULL, *log2 = NULL;
	size_t n, cap, cap2, count = 0, l1 = 0, l2 = 0, p1 = 0, p2 = 0;
	int r;

	if (size < 1)
		return 0;
	flags = data[0] & 3u;
	cap2 = (size_t)(data[0] >> 2) * 8 + 16;
	in = data + 1;
	n = size - 1;
	cap = 16 * n + 1024;
	sc = malloc(cap);
	sc2 = malloc(cap2);
	log1 = malloc(2 * cap + 4 * sizeof(size_t) * (n + 2));
	log2 = malloc(2 * cap + 4 * sizeof(size_t) * (n + 2));
	if (!sc || !sc2 || !log1 || !log2)
		goto done;
	FZ_CHECK(lm_mime_addr_init(&it, (const char *)in, n, sc, cap, flags) == 0,
	         "init");
	for (;;) {
		r = lm_mime_addr_next(&it, &a);
		fz_mime_addr_bounds(&it, n, cap);
		FZ_CHECK(r == LM_EVENT || r == LM_DONE, "big scratch always fits");
		if (r == LM_DONE)
			break;
		FZ_CHECK(++count <= n + 1, "bounded number of entries");
		check_slice(a.name, in, n, sc, cap);
		check_slice(a.local, in, n, sc, cap);
		check_slice(a.domain, in, n, sc, cap);
		check_slice(a.address, in, n, sc, cap);
		check_slice(a.group, in, n, sc, cap);
		FZ_CHECK(memchr(a.name.p, '\r', a.name.len) == NULL &&
		         memchr(a.name.p, '\n', a.name.len) == NULL, "no CR/LF in names");
		FZ_CHECK(a.address.len > 0 || (flags & LM_MIME_ADDR_EMPTY_GROUPS),
		         "address empty only for an empty group");
		{
			size_t i;
			for (i = 0; i < a.address.len; i++)
				FZ_CHECK(a.address.p[i] >= 0x20 && a.address.p[i] != 0x7f,
				         "no control characters in an address");
		}
		l1 = log_addr(log1, l1, &a);
	}
	(void)lm_mime_addr_defects(&it);

	/* Small scratch: the same entries, some skipped as too big. */
	FZ_CHECK(lm_mime_addr_init(&it2, (const char *)in, n, sc2, cap2, flags) == 0,
	         "init small");
	count = 0;
	for (;;) {
		r = lm_mime_addr_next(&it2, &a);
		fz_mime_addr_bounds(&it2, n, cap2);
		FZ_CHECK(r == LM_EVENT || r == LM_DONE || r == LM_ERR_BUFFER_TOO_SMALL,
		         "small scratch");
		if (r == LM_DONE)
			break;
		FZ_CHECK(++count <= n + 1, "bounded number of entries (small)");
		if (r == LM_EVENT)
			l2 = log_addr(log2, l2, &a);
	}
	while (p2 < l2) {
		size_t e1, e2;
		const unsigned char *x2 = log_entry(log2, l2, &p2, &e2);
		int found = 0;
		while (p1 < l1) {
			const unsigned char *x1 = log_entry(log1, l1, &p1, &e1);
			if (e1 == e2 && memcmp(x1, x2, e1) == 0) {
				found = 1;
				break;
			}
		}
		FZ_CHECK(found, "small-scratch results are a subsequence");
	}
done:
	free(sc);
	free(sc2);
	free(log1);
	free(log2);
	return 0;
}
