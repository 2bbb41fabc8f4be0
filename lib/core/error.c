/*
 * libmail - error messages and names, generated from LM_ERROR_MAP so
 * that the enum, the names and the messages cannot drift apart.
 */
#include "libmail/error.h"

/* see error.h */
const char *
lm_strerror(int err)
{
	if (err == LM_OK)
		return "success";
	if (err > 0)
		return "status";
	switch (err) {
#define LM__ERR_MSG(name, val, msg) case (val): return (msg);
	LM_ERROR_MAP(LM__ERR_MSG)
#undef LM__ERR_MSG
	default:
		break;
	}
	return "unknown error";
}

/* see error.h */
const char *
lm_errname(int err)
{
	if (err == LM_OK)
		return "LM_OK";
	if (err > 0)
		return "status";
	switch (err) {
#define LM__ERR_NAME(name, val, msg) case (val): return "LM_ERR_" #name;
	LM_ERROR_MAP(LM__ERR_NAME)
#undef LM__ERR_NAME
	default:
		break;
	}
	return "unknown error";
}
