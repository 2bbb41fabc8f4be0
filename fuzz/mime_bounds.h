/*
 * libmail fuzzing: the MIME objects' own fill marks stay inside the
 * fixed arrays and scratch regions they index. ASan cannot see a write
 * that overruns one member of a context into the next (the struct is
 * one object), nor one region of the parser's scratch area into the
 * next (one malloc), so the harnesses check the marks themselves after
 * every step: lm_mime_parser_next(), lm_mime_compose_read(),
 * lm_mime_conv_update() / _final(), lm_mime_addr_next(). Same idea as
 * imap_bounds.h (the IMAP FETCH item-name overflow of f836296).
 * Reads private members through LM_PRIVATE(), as only tests may.
 *
 * What is checked, per object:
 *  lm_mime_parser   the scratch layout (bounds | unfold | out | in, each
 *                   of the size its options give, in ending at the
 *                   scratch end); input marks start <= pos <= end <=
 *                   incap, a pending body run run_a < run_b <= end,
 *                   held <= 2, the header scan pos + hscan <= end and hscan <=
 *                   max_header_len; the frame stack top < max_depth;
 *                   per open frame pathlen < LM_MIME_PATH_MAX (path[]),
 *                   path[] NUL-terminated, blen <= max_boundary
 *                   (its slot of max_boundary + 2 bytes in the boundary
 *                   area) and a multipart's boundary a C string of
 *                   length blen (no NUL before: info.boundary shows
 *                   what is compared); the
 *                   part info strings (type, subtype, charset,
 *                   filename) NUL-terminated inside their arrays;
 *                   uu_q[] (uu_n < 4 while decoding a line); the
 *                   embedded base64 / QP decoders (codec_bounds.h) and
 *                   the converter:
 *   lm_mime_conv    npend <= pend[8] (< 4 for UTF-8, 0 for UTF-7, whose
 *                   state lives in pend[0..6]), opos <= olen <= obuf[16]
 *  lm_mime_compose  stage: spos <= slen <= LM_MIME_COMPOSE_STAGE; the
 *                   source: src_off <= src_len, <= LM_MIME_COMPOSE_INBUF
 *                   when it is in[]; nct <= 3 levels (ct_kind[],
 *                   ct_first[], ct_end[]) each first <= end <= nleaves;
 *                   part <= nleaves; boundary[3][36] NUL-terminated;
 *                   the header resume point at or before the window
 *                   (hpos.total <= skip); the QP and base64 encoders
 *                   (codec_bounds.h)
 *  lm_mime_addr_iter  pos <= n, the group name glen <= cap (scratch)
 *  lm_mime_ctype    len < value[LM_MIME_CTYPE_MAX], NUL at len,
 *                   type_len <= len
 */
#ifndef LIBMAIL_FUZZ_MIME_BOUNDS_H
#define LIBMAIL_FUZZ_MIME_BOUNDS_H

#include <string.h>

#include "libmail/mime.h"
#include "codec_bounds.h"
#include "io_bounds.h"
#include "fuzz.h"

/* Known to the parser only (lib/mime/parser_internal.h, its enum
 * LM_MIME__UU_*): LM_MIME__UU_DATA is its uudecoder's "inside a data
 * line" state. */
#define FZ_MIME_UU_DATA 3

/* A converter after init / update / final (not after free). utf8 and
 * utf7: the caller knows the charset is UTF-8 (a lead byte and at most
 * two continuation bytes pending) or UTF-7 (npend stays 0). */
static inline void
fz_mime_conv_bounds(const lm_mime_conv *c, int utf8, int utf7)
{
	FZ_CHECK(FZ_P(c, npend) <= sizeof FZ_P(c, pend), "converter: npend within pend[]");
	FZ_CHECK(!utf8 || FZ_P(c, npend) < 4, "converter: UTF-8 sequence pending < 4 bytes");
	FZ_CHECK(!utf7 || FZ_P(c, npend) == 0, "converter: UTF-7 keeps npend 0");
	FZ_CHECK(FZ_P(c, olen) <= sizeof FZ_P(c, obuf), "converter: olen within obuf[]");
	FZ_CHECK(FZ_P(c, opos) <= FZ_P(c, olen), "converter: opos <= olen");
}

/* 1 when s[0..cap) holds a NUL. */
static inline int
fz_nul_inside(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

/* The parser after init or next(); scratch[0..len) is what init got. */
static inline void
fz_mime_parser_bounds(const lm_mime_parser *p, const void *scratch, size_t len)
{
	const lm_mime_parser_opts *o = &FZ_P(p, o);
	const unsigned char *s = scratch;
	size_t bsz = (o->max_depth + 1) * (o->max_boundary + 2);
	size_t osz = (o->to_utf8 != NULL || (o->flags & LM_MIME_PARSE_UTF8)) ?
	             2 * LM_MIME_PARSER_OUTBUF : LM_MIME_PARSER_OUTBUF;
	size_t pos = FZ_P(p, pos), end = FZ_P(p, end);
	int k, top = FZ_P(p, top);

	FZ_CHECK(FZ_P(p, bounds) == s, "boundary area at the scratch start");
	FZ_CHECK(FZ_P(p, unfold) == FZ_P(p, bounds) + bsz,
	         "unfold area after (max_depth + 1) boundary slots");
	FZ_CHECK(FZ_P(p, out) == FZ_P(p, unfold) + o->max_header_len,
	         "output area after max_header_len bytes of unfold area");
	FZ_CHECK(FZ_P(p, in) == FZ_P(p, out) + osz, "input buffer after the output area");
	FZ_CHECK(FZ_P(p, in) + FZ_P(p, incap) == s + len, "input buffer ends at the scratch end");
	FZ_CHECK(FZ_P(p, start) <= pos && pos <= end && end <= FZ_P(p, incap),
	         "input marks start <= pos <= end <= incap");
	/* a run handed out (run_a == run_b) may be stale after compact() */
	FZ_CHECK(FZ_P(p, run_a) == FZ_P(p, run_b) ||
	         (FZ_P(p, run_a) < FZ_P(p, run_b) && FZ_P(p, run_b) <= end),
	         "pending body run inside the input");
	FZ_CHECK(FZ_P(p, held) <= 2 && FZ_P(p, held) <= pos, "held line break");
	FZ_CHECK(FZ_P(p, hscan) <= end - pos && FZ_P(p, hscan) <= o->max_header_len,
	         "header scan inside the input and max_header_len");
	FZ_CHECK(top >= -1 && top < (int)o->max_depth && top <= LM_MIME_PARSER_DEPTH_MAX,
	         "frame stack top < max_depth");
	for (k = 0; k <= top; k++) {
		const lm_mime_frame *f = &FZ_P(p, fr)[k];
		const char *b = (const char *)FZ_P(p, bounds) + (size_t)k * (o->max_boundary + 2);

		FZ_CHECK(FZ_P(f, pathlen) < LM_MIME_PATH_MAX, "frame path within LM_MIME_PATH_MAX");
		FZ_CHECK(FZ_P(f, blen) <= o->max_boundary ||
		         (k == top && FZ_P(f, blen) == ~0u), "boundary within its slot");
		if (FZ_P(f, kind) == LM_MIME_KIND_MULTIPART)
			FZ_CHECK(FZ_P(f, blen) > 0 && strnlen(b, FZ_P(f, blen) + 1) == FZ_P(f, blen),
			         "multipart boundary a C string of length blen in its slot");
	}
	FZ_CHECK(fz_nul_inside(FZ_P(p, path), sizeof FZ_P(p, path)), "path NUL-terminated in path[]");
	FZ_CHECK(fz_nul_inside(FZ_P(p, info).type, sizeof FZ_P(p, info).type) &&
	         fz_nul_inside(FZ_P(p, info).subtype, sizeof FZ_P(p, info).subtype) &&
	         fz_nul_inside(FZ_P(p, info).charset, sizeof FZ_P(p, info).charset) &&
	         fz_nul_inside(FZ_P(p, info).filename, sizeof FZ_P(p, info).filename),
	         "part info strings NUL-terminated inside their arrays");
	if (FZ_P(p, uu_state) == FZ_MIME_UU_DATA)
		FZ_CHECK(FZ_P(p, uu_n) < sizeof FZ_P(p, uu_q), "uudecoder: uu_n within uu_q[]");
	fz_b64_dec_bounds(&FZ_P(p, b64));
	fz_qp_dec_bounds(&FZ_P(p, qp));
	if (FZ_P(p, conv_on))
		fz_mime_conv_bounds(&FZ_P(p, conv), 0, 0);
}

/* The composer after init or read(). */
static inline void
fz_mime_compose_bounds(const lm_mime_compose *m)
{
	int j;
	size_t i;

	FZ_CHECK(FZ_P(m, slen) <= sizeof FZ_P(m, stage) && FZ_P(m, spos) <= FZ_P(m, slen),
	         "stage marks spos <= slen <= LM_MIME_COMPOSE_STAGE");
	FZ_CHECK(FZ_P(m, src_off) <= FZ_P(m, src_len), "source offset within the source");
	if (FZ_P(m, src_mem) == FZ_P(m, in))
		FZ_CHECK(FZ_P(m, src_len) <= sizeof FZ_P(m, in), "source within in[]");
	FZ_CHECK(FZ_P(m, nct) >= 0 && FZ_P(m, nct) <= 3, "multipart levels within ct_*[3]");
	for (j = 0; j < FZ_P(m, nct); j++)
		FZ_CHECK(FZ_P(m, ct_kind)[j] >= 1 && FZ_P(m, ct_kind)[j] <= 3 &&
		         FZ_P(m, ct_first)[j] <= FZ_P(m, ct_end)[j] &&
		         FZ_P(m, ct_end)[j] <= FZ_P(m, nleaves), "multipart level's leaves");
	FZ_CHECK(FZ_P(m, part) <= FZ_P(m, nleaves), "current leaf within the leaves");
	for (i = 0; i < 3; i++)
		FZ_CHECK(fz_nul_inside(FZ_P(m, boundary)[i], sizeof FZ_P(m, boundary)[i]),
		         "boundary NUL-terminated inside boundary[i]");
	FZ_CHECK(FZ_P(m, hpos).LM_PRIVATE(total) <= FZ_P(m, skip),
	         "header resume point at or before the window");
	fz_qp_enc_bounds(&FZ_P(m, qp));
	fz_b64_enc_bounds(&FZ_P(m, b64));
}

/* An address iterator over n input bytes with cap bytes of scratch. */
static inline void
fz_mime_addr_bounds(const lm_mime_addr_iter *it, size_t n, size_t cap)
{
	FZ_CHECK(FZ_P(it, n) == n && FZ_P(it, cap) == cap, "iterator keeps its sizes");
	FZ_CHECK(FZ_P(it, pos) <= n, "iterator position within the input");
	FZ_CHECK(FZ_P(it, glen) <= cap, "group name within the scratch");
}

/* A parsed Content-Type / Content-Disposition (public members). */
static inline void
fz_mime_ctype_bounds(const lm_mime_ctype *ct)
{
	FZ_CHECK(ct->len < sizeof ct->value && ct->value[ct->len] == '\0',
	         "value NUL-terminated at len inside value[]");
	FZ_CHECK(ct->type_len <= ct->len, "type_len <= len");
}

#endif
