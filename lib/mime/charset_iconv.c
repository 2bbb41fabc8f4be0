/*
 * libmail - the multi-byte charsets (GB2312/GBK/GB18030, Big5, Shift_JIS,
 * EUC-JP, ISO-2022-JP, EUC-KR, UTF-16) through the host's iconv
 * (glibc). This is the only file that includes <iconv.h>.
 *
 * Host only: iconv_open() allocates (the handle lives until
 * lm_mime_conv_free()). `make ICONV=0` (firmware) compiles this file
 * to stubs that know no charset, so those charsets become
 * LM_MIME_DEF_CHARSET defects and their bytes are read as UTF-8.
 */
#include <stddef.h>

#include "codec_internal.h"

#if LM_HAVE_ICONV
#include <errno.h>
#include <iconv.h>

/* Names glibc's iconv knows, by id - LM_CS__FIRST_ICONV. */
static const char *const iconv_names[LM_CS__COUNT - LM_CS__FIRST_ICONV] = {
	"GB2312", "GBK", "GB18030", "BIG5", "BIG5-HKSCS", "SHIFT_JIS",
	"CP932", "EUC-JP", "ISO-2022-JP", "EUC-KR", "CP949",
	"UTF-16", "UTF-16BE", "UTF-16LE", "UTF-7",
};

/* see codec_internal.h */
void *
lm_mime__iconv_open(int id)
{
	iconv_t cd;

	if (id < LM_CS__FIRST_ICONV || id >= LM_CS__COUNT)
		return NULL;
	cd = iconv_open("UTF-8", iconv_names[id - LM_CS__FIRST_ICONV]);
	if (cd == (iconv_t)-1)
		return NULL;
	return (void *)cd;
}

/* see codec_internal.h */
int
lm_mime__iconv_step(void *h, const unsigned char *in, size_t n,
                    unsigned char *out, size_t cap, size_t *used,
                    size_t *written)
{
	char *ip = (char *)(size_t)in, *op = (char *)out;
	size_t il = n, ol = cap, r;
	int e;

	errno = 0;
	r = iconv((iconv_t)h, &ip, &il, &op, &ol);
	e = errno;
	*used = n - il;
	*written = cap - ol;
	if (r != (size_t)-1)
		return 0;
	if (e == EINVAL)
		return 1;
	if (e == EILSEQ)
		return 2;
	return 0; /* E2BIG: out is full */
}

/* see codec_internal.h */
void
lm_mime__iconv_reset(void *h)
{
	(void)iconv((iconv_t)h, NULL, NULL, NULL, NULL);
}

/* see codec_internal.h */
void
lm_mime__iconv_close(void *h)
{
	(void)iconv_close((iconv_t)h);
}

#else /* !LM_HAVE_ICONV */

/* see codec_internal.h */
void *
lm_mime__iconv_open(int id)
{
	(void)id;
	return NULL;
}

/* see codec_internal.h */
int
lm_mime__iconv_step(void *h, const unsigned char *in, size_t n,
                    unsigned char *out, size_t cap, size_t *used,
                    size_t *written)
{
	(void)h;
	(void)in;
	(void)n;
	(void)out;
	(void)cap;
	*used = 0;
	*written = 0;
	return 2;
}

/* see codec_internal.h */
void
lm_mime__iconv_reset(void *h)
{
	(void)h;
}

/* see codec_internal.h */
void
lm_mime__iconv_close(void *h)
{
	(void)h;
}

#endif
