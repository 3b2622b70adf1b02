/* err.c — tc_strerror / tc_errname over the table in tc_err.h. */
#include "tc_config.h"
#include "tc_err.h"

#if TC_ERROR_STRINGS

const char *tc_strerror(int err)
{
  switch (err) {
  case TC_OK: return "ok";
#define TC_ERR_TEXT_(name, value, text) case value: return text;
  TC_ERR_LIST(TC_ERR_TEXT_)
#undef TC_ERR_TEXT_
  default: return "unknown error";
  }
}

const char *tc_errname(int err)
{
  switch (err) {
  case TC_OK: return "TC_OK";
#define TC_ERR_NAME_(name, value, text) case value: return #name;
  TC_ERR_LIST(TC_ERR_NAME_)
#undef TC_ERR_NAME_
  default: return "?";
  }
}

#else /* !TC_ERROR_STRINGS: the texts are compiled out to save flash. */

const char *tc_strerror(int err) { return err == TC_OK ? "ok" : ""; }
const char *tc_errname(int err) { return err == TC_OK ? "TC_OK" : "?"; }

#endif
