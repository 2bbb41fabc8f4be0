/*
 * libmail - umbrella header. Including it is the same as including
 * each area's header under libmail/.
 */
#ifndef LIBMAIL_H
#define LIBMAIL_H

#include "libmail/common.h"
#include "libmail/core.h"
#include "libmail/sasl.h"
#include "libmail/mime.h"
#include "libmail/smtp.h"
#include "libmail/pop3.h"
#include "libmail/imap.h"
#include "libmail/net.h"

#endif
