/*
 * tc_flash_file.h — a tc_flash kept in a host file, so that a host program
 * (tchat --state FILE) stores its chat with kv_flash exactly as a device
 * would. The file is the raw image: sector_size * sector_count bytes.
 *
 * NOR rules are enforced, strictly: a program over any byte that is not the
 * erased value fails with TC_ERR_KV_IO and counts a violation (real NOR would
 * AND the bits; STM32 flash words refuse a second program). sync is
 * fdatasync, so an image survives a host crash or power loss the way flash
 * survives a power cut.
 */
#ifndef TC_FLASH_FILE_H
#define TC_FLASH_FILE_H

#include <stdint.h>

#include "tc_flash.h"

/* A suggested geometry: external SPI NOR, 4 sectors of 4 KB. */
#define TC_FLASH_FILE_SECTOR_SIZE 4096u
#define TC_FLASH_FILE_SECTORS 4u

typedef struct tc_flash_file {
  tc_flash_t flash; /* pass &ff->flash to kv_flash */
  int fd;
  uint32_t violations;
} tc_flash_file_t;

/* Opens (or creates, fully erased) the image at path. A new image is written
 * as "<path>.new" and renamed into place (an existing empty file is filled
 * in place, and emptied again if that fails), so a full disk or a crash
 * during creation never leaves a short image. TC_ERR_CONFIG if an existing
 * file is not a regular file or its size is not sector_size * sector_count,
 * TC_ERR_KV_IO if it cannot be opened or created. */
tc_err_t tc_flash_file_open(tc_flash_file_t *ff, const char *path, uint32_t sector_size,
                            uint32_t sector_count, uint8_t prog_size, uint8_t erased);

/* Closes the file; safe to call twice. */
void tc_flash_file_close(tc_flash_file_t *ff);

#endif /* TC_FLASH_FILE_H */
