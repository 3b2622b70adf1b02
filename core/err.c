/* err.c — tc_strerror / tc_errname over the table in tc_err.h.
 *
 * One string blob holds each code's name and text in list order
 * ("TC_OK\0ok\0TC_ERR_ARG\0invalid argument\0..."), with one signed byte per
 * code for its value: a lookup walks the list (errors are reported, not
 * hot). Two switch statements over 66 sparse values compiled to jump or
 * pointer tables that cost more flash than the strings themselves. */
#include <string.h>

#include "tc_config.h"
#include "tc_err.h"

#if TC_ERROR_STRINGS

static const char k_strings[] = "TC_OK\0ok\0"
#define TC_ERR_STR_(name, value, text) #name "\0" text "\0"
  TC_ERR_LIST(TC_ERR_STR_)
#undef TC_ERR_STR_
  "?\0unknown error";

static const signed char k_values[] = {
  TC_OK,
#define TC_ERR_VALUE_(name, value, text) value,
  TC_ERR_LIST(TC_ERR_VALUE_)
#undef TC_ERR_VALUE_
};
_Static_assert(TC_ERR_MIN_ >= -128, "every value fits a signed byte");

/* The name of `err` in k_strings (its text follows it); "?" if not listed. */
static const char *entry(int err)
{
  const char *s = k_strings;
  size_t i = 0;
  while (i < sizeof k_values && k_values[i] != err) i++;
  for (i *= 2; i > 0; i--) s += strlen(s) + 1;
  return s;
}

const char *tc_errname(int err)
{
  return entry(err);
}

const char *tc_strerror(int err)
{
  const char *s = entry(err);
  return s + strlen(s) + 1;
}

#else /* !TC_ERROR_STRINGS: the texts are compiled out to save flash. */

const char *tc_strerror(int err) { return err == TC_OK ? "ok" : ""; }
const char *tc_errname(int err) { return err == TC_OK ? "TC_OK" : "?"; }

#endif
