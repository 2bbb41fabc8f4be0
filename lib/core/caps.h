/*
 * libmail - capability store shared by the SMTP and POP3 engines.
 * Not installed; never included from include/.
 *
 * The store is a char array the engine embeds (no allocation): each
 * capability line is kept as "KEYWORD[ params]\n" in store[0..*len).
 * Keywords compare ASCII case-insensitively. Two line shapes:
 *  - LM_CORE__CAPS_EHLO (RFC 5321 4.1.1.1 ehlo-line): the keyword ends
 *    at the first SP; its parameters start after that one SP.
 *  - LM_CORE__CAPS_CAPA (RFC 2449 capa-line, read leniently): the
 *    keyword ends at SP or HTAB; its parameters start after the whole
 *    run of SP/HTAB.
 */
#ifndef LIBMAIL_CORE_CAPS_H
#define LIBMAIL_CORE_CAPS_H

#include <stddef.h>

#include "libmail/common.h"
#include "ascii.h"

#define LM_CORE__CAPS_EHLO 0
#define LM_CORE__CAPS_CAPA 1

/**
 * Store the capability line t[0..*n) at store[*len..cap) as "line\n",
 * without its trailing SP, HTAB and CR. On return *n is the stored
 * length (0 for a blank line: nothing stored) and *kw the keyword's
 * length. The stored line starts at t.
 * \return 0; LM_ERR_LIMIT when the line and its '\n' do not fit
 *         (nothing stored, *len unchanged).
 */
int lm_core__caps_add(char *store, size_t cap, size_t *len, const unsigned char *t,
                      size_t *n, int mode, size_t *kw);

/**
 * Find the keyword kw (NUL-terminated) in store[0..len).
 * \return 1 and, if param is not NULL, its parameters (a slice into
 *         store, valid until the store changes; empty when there are
 *         none); 0 when it is absent (param untouched).
 */
int lm_core__caps_find(const char *store, size_t len, const char *kw, int mode,
                       lm_slice *param);

/** 1 if name is one of the SP/HTAB-separated words of list (an AUTH or
 *  SASL capability's parameters), ignoring ASCII case, else 0. */
int lm_core__caps_listed(lm_slice list, const char *name);

#endif
