/*
 * tc_mbedtls_config.h — a small mbedTLS 3.6 configuration for a trigchat
 * firmware (selected with -DMBEDTLS_CONFIG_FILE='"tc_mbedtls_config.h"').
 *
 * TLS 1.2 client only; ECDHE key exchange with ECDSA or RSA server
 * certificates; AES-GCM and ChaCha20-Poly1305; P-256, P-384 and X25519;
 * certificate chains verified against PEM roots, with expiry checked
 * (MBEDTLS_HAVE_TIME_DATE: the board must give time() real Unix time, e.g.
 * from SNTP, before the first handshake). Every allocation goes through
 * mbedtls_platform_set_calloc_free (port/mbedtls puts it in its arena).
 *
 * Not included: TLS 1.3 (needs the PSA crypto core: about +30 KB flash),
 * CBC suites, renegotiation, server side, file I/O, the entropy module (the
 * adapter seeds CTR_DRBG from the board's TRNG itself).
 * Used by boards/stm32 (Cortex-M7) and by the esp32 link check (rv32imc);
 * a real ESP-IDF build uses ESP-IDF's own mbedTLS configuration (menuconfig).
 */
#ifndef TC_MBEDTLS_CONFIG_H
#define TC_MBEDTLS_CONFIG_H

/* ---- platform */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_MS_TIME_ALT /* the board defines mbedtls_ms_time() */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT /* and mbedtls_platform_gmtime_r() (newlib's gmtime allocates) */
/* No libc heap at all: allocations default to port/mbedtls's arena. */
#include <stddef.h>
void *tc_mbedtls_calloc(size_t n, size_t size);
void tc_mbedtls_free(void *p);
#define MBEDTLS_PLATFORM_STD_CALLOC tc_mbedtls_calloc
#define MBEDTLS_PLATFORM_STD_FREE tc_mbedtls_free
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
/* Receive records up to 16 KB (servers may ignore max_fragment_length);
 * send records of at most 4 KB (trigchat's requests are smaller). */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT 0 /* as the default config (tested with #if) */
#define MBEDTLS_SSL_CIPHERSUITES \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
  MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
  MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
  MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256

/* ---- certificates */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_REMOVE_INFO         /* no certificate pretty-printing */
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C

/* ---- public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_MPI_WINDOW_SIZE 2        /* less RAM per exponentiation */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0  /* no per-curve precomputed tables in RAM */

/* ---- symmetric, hashes, DRBG */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES           /* AES tables in flash, not RAM */
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SHA1_C                   /* some certificate chains still use it */
#define MBEDTLS_CTR_DRBG_C

#endif /* TC_MBEDTLS_CONFIG_H */
