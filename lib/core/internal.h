/*
 * libmail - lib/core internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_CORE_INTERNAL_H
#define LIBMAIL_CORE_INTERNAL_H

/** The RFC 4648 standard alphabet, index 0..63. */
extern const char lm_core__b64_alphabet[65];

/** Value 0..63 of a base64 alphabet character, -1 for anything else
 *  ('=' included). */
int lm_core__b64_value(unsigned char c);

#endif
