/*
 * libmail - AVX2 base64 kernels for whole blocks (x86-64 with GCC or
 * clang only; chosen at run time by lm_core__b64_have_simd(), the table
 * code in b64.c serves every other CPU). Decoding: W. Mula and
 * D. Lemire, "Faster Base64 Encoding and Decoding Using AVX2
 * Instructions" (ACM TOW 2018): nibble lookups classify 32 characters
 * at once and reject any block with a byte outside the alphabet, which
 * the caller then takes group by group. Encoding: the same paper's
 * multiply-shift split of 24 bytes into 32 six-bit indices and a
 * 16-entry offset lookup.
 */
#include <stddef.h>
#include <stdint.h>

#include "libmail/core.h"
#include "internal.h"

/* see internal.h */
int lm_core__b64_simd_off = 0;

#if LM_B64_SIMD
#include <immintrin.h>

/* see internal.h */
int
lm_core__b64_have_simd(void)
{
	return !lm_core__b64_simd_off && __builtin_cpu_supports("avx2");
}

/* see internal.h */
__attribute__((target("avx2"))) size_t
lm_core__b64_dec_simd(const unsigned char *s, size_t n, unsigned char *out, size_t cap,
                      size_t *used)
{
	const __m256i lut_lo = _mm256_setr_epi8(
		0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a,
		0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
	const __m256i lut_hi = _mm256_setr_epi8(
		0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
		0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
		0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
		0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
	const __m256i lut_roll = _mm256_setr_epi8(
		0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i mask_2f = _mm256_set1_epi8(0x2f);
	const __m256i pack = _mm256_setr_epi8(
		2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
		2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
	const __m256i perm = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
	size_t i = 0, o = 0;

	while (n - i >= 32 && cap - o >= 32) {
		__m256i str = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i hi_n = _mm256_and_si256(_mm256_srli_epi32(str, 4), mask_2f);
		__m256i lo_n = _mm256_and_si256(str, mask_2f);
		__m256i lo = _mm256_shuffle_epi8(lut_lo, lo_n);
		__m256i hi = _mm256_shuffle_epi8(lut_hi, hi_n);
		__m256i eq_2f = _mm256_cmpeq_epi8(str, mask_2f);
		__m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_n));
		__m256i v;
		if (!_mm256_testz_si256(lo, hi))
			break;
		v = _mm256_add_epi8(str, roll);
		/* 4 x 6 bits -> 24 bits per 32-bit lane, then 3 bytes each */
		v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
		v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
		v = _mm256_shuffle_epi8(v, pack);
		v = _mm256_permutevar8x32_epi32(v, perm);
		_mm256_storeu_si256((__m256i *)(void *)(out + o), v);
		i += 32;
		o += 24;
	}
	*used = i;
	return o;
}

/* see internal.h */
__attribute__((target("avx2"))) size_t
lm_core__b64_enc_simd(const unsigned char *s, size_t n, char *out, size_t *used)
{
	const __m256i shuf = _mm256_setr_epi8(
		1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
		1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
	const __m256i shift_lut = _mm256_setr_epi8(
		'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
		'0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62,
		'/' - 63, 'A', 0, 0,
		'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
		'0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62,
		'/' - 63, 'A', 0, 0);
	size_t i = 0, o = 0;

	/* 24 bytes per step, read as two 16-byte loads at +0 and +12 */
	while (n - i >= 28) {
		__m256i in = _mm256_inserti128_si256(
			_mm256_castsi128_si256(
				_mm_loadu_si128((const __m128i *)(const void *)(s + i))),
			_mm_loadu_si128((const __m128i *)(const void *)(s + i + 12)), 1);
		__m256i t0, t1, t2, t3, idx, r;
		in = _mm256_shuffle_epi8(in, shuf);
		t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00));
		t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
		t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0));
		t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
		idx = _mm256_or_si256(t1, t3);
		r = _mm256_subs_epu8(idx, _mm256_set1_epi8(51));
		r = _mm256_or_si256(r, _mm256_and_si256(
			_mm256_cmpgt_epi8(_mm256_set1_epi8(26), idx), _mm256_set1_epi8(13)));
		r = _mm256_add_epi8(_mm256_shuffle_epi8(shift_lut, r), idx);
		_mm256_storeu_si256((__m256i *)(void *)(out + o), r);
		i += 24;
		o += 32;
	}
	*used = i;
	return o;
}
#endif
